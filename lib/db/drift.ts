// Compares prisma/schema.prisma with what the migrations actually built. Prisma's own
// `migrate diff` needs the native schema engine, which we cannot ship, so this reads the
// schema through Prisma's wasm DMMF and the database through pg_catalog. It covers what our
// migrations express: tables, columns (type and nullability), enums and indexes. Foreign keys,
// defaults and implicit many-to-many join tables are not compared. @prisma/internals is a
// devDependency, so only tests and tooling may import this file, never the app or the worker.
import { readFile } from "node:fs/promises";
import path from "node:path";
import internals from "@prisma/internals";
import { Client } from "pg";

// @prisma/internals is CommonJS without named-export hints, so Node's ESM loader only offers
// its default export.
const { getDMMF } = internals;

type Datamodel = Awaited<ReturnType<typeof getDMMF>>["datamodel"];
type Model = Datamodel["models"][number];
type Field = Model["fields"][number];

type Column = { type: string; nullable: boolean | "either" };
type Table = { columns: Map<string, Column>; indexes: Index[] };
type Index = { table: string; kind: "primary key" | "unique index" | "index"; columns: string[]; name?: string };
type Shape = { tables: Map<string, Table>; enums: Map<string, string[]> };

const IGNORED_TABLES = new Set(["_prisma_migrations"]);

/** Human-readable differences between the schema and the database's `public` schema. */
export async function findSchemaDrift(databaseUrl: string, schemaText?: string): Promise<string[]> {
  const datamodel = schemaText ?? (await readFile(path.join(process.cwd(), "prisma", "schema.prisma"), "utf8"));
  const { datamodel: dmmf } = await getDMMF({ datamodel });
  const expected = shapeFromDatamodel(dmmf);
  const actual = await shapeFromDatabase(databaseUrl);
  return [...compareEnums(expected, actual), ...compareTables(expected, actual)];
}

function shapeFromDatamodel(dmmf: Datamodel): Shape {
  const enumNames = new Map(dmmf.enums.map((e) => [e.name, e.dbName ?? e.name]));
  const enums = new Map(dmmf.enums.map((e) => [e.dbName ?? e.name, e.values.map((v) => v.dbName ?? v.name)]));
  const tables = new Map<string, Table>();
  for (const model of dmmf.models) {
    const columns = new Map<string, Column>();
    for (const field of model.fields) {
      if (field.kind !== "scalar" && field.kind !== "enum") continue;
      const type = field.kind === "enum" ? enumNames.get(field.type)! : scalarColumnType(field);
      // Prisma creates list columns without NOT NULL, yet reports them as required.
      const nullable = field.isList ? "either" : !field.isRequired;
      columns.set(columnName(field), { type: field.isList ? `${type}[]` : type, nullable });
    }
    tables.set(tableName(model), { columns, indexes: [] });
  }
  for (const index of dmmf.indexes) {
    const model = dmmf.models.find((m) => m.name === index.model);
    const kind = INDEX_KINDS[index.type];
    if (!model || !kind) continue; // fulltext indexes exist only on MySQL
    const columns = index.fields.map((f) => {
      const field = model.fields.find((candidate) => candidate.name === f.name);
      return (field ? columnName(field) : f.name) + (f.sortOrder === "desc" ? " DESC" : "");
    });
    const table = tableName(model);
    tables.get(table)!.indexes.push({ table, kind, columns });
  }
  return { tables, enums };
}

const INDEX_KINDS: Record<string, Index["kind"]> = { id: "primary key", unique: "unique index", normal: "index" };

function tableName(model: Model): string {
  return model.dbName ?? model.name;
}

function columnName(field: Field): string {
  return field.dbName ?? field.name;
}

/** The column type as PostgreSQL's format_type() spells it, which is what the database reports. */
function scalarColumnType(field: Field): string {
  const [nativeName, nativeArgs = []] = field.nativeType ?? [];
  const args = nativeArgs.length > 0 ? `(${nativeArgs.join(",")})` : "";
  if (nativeName) return NATIVE_TYPES[nativeName]?.(args) ?? `${nativeName.toLowerCase()}${args}`;
  return DEFAULT_TYPES[field.type] ?? field.type;
}

const DEFAULT_TYPES: Record<string, string> = {
  String: "text",
  Int: "integer",
  BigInt: "bigint",
  Boolean: "boolean",
  DateTime: "timestamp(3) without time zone",
  Json: "jsonb",
  Float: "double precision",
  Decimal: "numeric(65,30)",
  Bytes: "bytea",
};

const NATIVE_TYPES: Record<string, (args: string) => string> = {
  VarChar: (args) => `character varying${args}`,
  Char: (args) => `character${args}`,
  Timestamp: (args) => `timestamp${args} without time zone`,
  Timestamptz: (args) => `timestamp${args} with time zone`,
  Time: (args) => `time${args} without time zone`,
  Timetz: (args) => `time${args} with time zone`,
  Decimal: (args) => `numeric${args}`,
  DoublePrecision: () => "double precision",
  VarBit: (args) => `bit varying${args}`,
  Integer: () => "integer",
};

async function shapeFromDatabase(databaseUrl: string): Promise<Shape> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const tables = new Map<string, Table>();
    for (const row of await queryColumns(client)) {
      if (IGNORED_TABLES.has(row.table_name)) continue;
      const table = tables.get(row.table_name) ?? { columns: new Map(), indexes: [] };
      tables.set(row.table_name, table);
      if (row.column_name === null) continue; // a table without columns
      table.columns.set(row.column_name, { type: row.column_type.replaceAll('"', ""), nullable: row.nullable });
    }
    for (const row of await queryIndexes(client)) {
      const kind = row.is_primary ? "primary key" : row.is_unique ? "unique index" : "index";
      const columns = row.columns.map((c) => c.replaceAll('"', ""));
      tables.get(row.table_name)?.indexes.push({ table: row.table_name, kind, columns, name: row.index_name });
    }
    return { tables, enums: await queryEnums(client) };
  } finally {
    await client.end();
  }
}

async function queryColumns(client: Client) {
  const { rows } = await client.query<{
    table_name: string;
    column_name: string | null;
    column_type: string;
    nullable: boolean;
  }>(`
    SELECT c.relname AS table_name, a.attname AS column_name,
           format_type(a.atttypid, a.atttypmod) AS column_type, NOT a.attnotnull AS nullable
      FROM pg_class c
      JOIN pg_namespace n ON n.oid = c.relnamespace
      LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
     WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
     ORDER BY c.relname, a.attnum`);
  return rows;
}

// Index columns as pg_get_indexdef renders them (expressions included), with DESC where the
// index sorts descending; INCLUDE columns are not part of the key and are left out.
async function queryIndexes(client: Client) {
  const { rows } = await client.query<{
    table_name: string;
    index_name: string;
    is_primary: boolean;
    is_unique: boolean;
    columns: string[];
  }>(`
    SELECT t.relname AS table_name, i.relname AS index_name,
           x.indisprimary AS is_primary, x.indisunique AS is_unique,
           ARRAY(SELECT pg_get_indexdef(x.indexrelid, k, true)
                        || CASE WHEN pg_index_column_has_property(x.indexrelid, k, 'desc')
                                THEN ' DESC' ELSE '' END
                   FROM generate_series(1, x.indnkeyatts) AS k ORDER BY k) AS columns
      FROM pg_index x
      JOIN pg_class i ON i.oid = x.indexrelid
      JOIN pg_class t ON t.oid = x.indrelid
      JOIN pg_namespace n ON n.oid = t.relnamespace
     WHERE n.nspname = 'public'
     ORDER BY t.relname, i.relname`);
  return rows;
}

async function queryEnums(client: Client): Promise<Map<string, string[]>> {
  const { rows } = await client.query<{ enum_name: string; labels: string[] }>(`
    SELECT t.typname::text AS enum_name, array_agg(e.enumlabel::text ORDER BY e.enumsortorder) AS labels
      FROM pg_type t
      JOIN pg_enum e ON e.enumtypid = t.oid
      JOIN pg_namespace n ON n.oid = t.typnamespace
     WHERE n.nspname = 'public'
     GROUP BY t.typname`);
  return new Map(rows.map((row) => [row.enum_name, row.labels]));
}

function compareEnums(expected: Shape, actual: Shape): string[] {
  const differences: string[] = [];
  for (const [name, values] of expected.enums) {
    const found = actual.enums.get(name);
    if (!found) {
      differences.push(`enum "${name}" is missing from the database`);
      continue;
    }
    for (const value of values.filter((v) => !found.includes(v))) differences.push(`enum "${name}" lacks value "${value}" in the database`);
    for (const value of found.filter((v) => !values.includes(v))) differences.push(`enum "${name}" has value "${value}" in the database that the schema lacks`);
  }
  for (const name of actual.enums.keys()) if (!expected.enums.has(name)) differences.push(`enum "${name}" exists in the database but not in the schema`);
  return differences;
}

function compareTables(expected: Shape, actual: Shape): string[] {
  const differences: string[] = [];
  for (const [name, table] of expected.tables) {
    const found = actual.tables.get(name);
    if (found) differences.push(...compareColumns(name, table, found), ...compareIndexes(table, found));
    else differences.push(`table "${name}" is missing from the database`);
  }
  for (const name of actual.tables.keys()) if (!expected.tables.has(name)) differences.push(`table "${name}" exists in the database but not in the schema`);
  return differences;
}

function compareColumns(tableName: string, expected: Table, actual: Table): string[] {
  const differences: string[] = [];
  for (const [name, column] of expected.columns) {
    const found = actual.columns.get(name);
    const label = `column "${tableName}"."${name}"`;
    if (!found) {
      differences.push(`${label} is missing from the database`);
      continue;
    }
    if (found.type !== column.type) differences.push(`${label} has type ${found.type} in the database, the schema expects ${column.type}`);
    if (column.nullable !== "either" && found.nullable !== column.nullable)
      differences.push(
        `${label} is ${found.nullable ? "nullable" : "NOT NULL"} in the database, ` + `the schema says ${column.nullable ? "optional" : "required"}`,
      );
  }
  for (const name of actual.columns.keys())
    if (!expected.columns.has(name)) differences.push(`column "${tableName}"."${name}" exists in the database but not in the schema`);
  return differences;
}

// Indexes are matched on kind and column list, not on name: a renamed index behaves the same.
function compareIndexes(expected: Table, actual: Table): string[] {
  const unmatched = [...actual.indexes];
  const differences: string[] = [];
  for (const index of expected.indexes) {
    const at = unmatched.findIndex((candidate) => sameIndex(candidate, index));
    if (at === -1) differences.push(`${describeIndex(index)} is missing from the database`);
    else unmatched.splice(at, 1);
  }
  for (const index of unmatched) differences.push(`${describeIndex(index)} exists in the database but not in the schema`);
  return differences;
}

function sameIndex(a: Index, b: Index): boolean {
  return a.kind === b.kind && a.columns.join(",") === b.columns.join(",");
}

function describeIndex(index: Index): string {
  const name = index.name ? ` "${index.name}"` : "";
  return `${index.kind}${name} on "${index.table}" (${index.columns.join(", ")})`;
}
