// Moved to lib/log/logger.ts (infrastructure below the features); kept until every importer follows.
export { logger } from "@/lib/log/logger.ts";
