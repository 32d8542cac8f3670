/**
 * A password for an operator command, read from standard input rather than an argument (which
 * the process list and the shell history would keep). On a terminal: a prompt on stderr with
 * echo off, asked twice. From a pipe or file: its first line, for scripts.
 */
const MAX_BYTES = 4096;

type Input = NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (mode: boolean) => unknown };

export async function readPassword(input: Input, prompt: NodeJS.WritableStream): Promise<string | undefined> {
  if (input.isTTY && input.setRawMode) {
    const first = await readHidden(input, prompt, "Wachtwoord: ");
    const second = await readHidden(input, prompt, "Nogmaals:   ");
    if (first !== second) {
      prompt.write("De wachtwoorden verschillen.\n");
      return undefined;
    }
    return first || undefined;
  }
  return firstLine(input);
}

/** The first line of a stream (without its line ending), reading at most MAX_BYTES. */
export async function firstLine(input: NodeJS.ReadableStream): Promise<string | undefined> {
  let text = "";
  for await (const chunk of input) {
    text += typeof chunk === "string" ? chunk : Buffer.from(chunk as Uint8Array).toString("utf8");
    if (text.includes("\n") || text.length > MAX_BYTES) break;
  }
  const line = text.split("\n")[0]!.replace(/\r$/, "");
  return line ? line.slice(0, MAX_BYTES) : undefined;
}

function readHidden(input: Input, prompt: NodeJS.WritableStream, question: string): Promise<string> {
  return new Promise((resolve, reject) => {
    prompt.write(question);
    let value = "";
    input.setRawMode!(true);
    input.resume();
    const done = (error?: Error) => {
      input.setRawMode!(false);
      input.pause();
      input.removeListener("data", onData);
      prompt.write("\n");
      if (error) reject(error);
      else resolve(value);
    };
    const onData = (chunk: Buffer | string) => {
      for (const char of chunk.toString()) {
        if (char === "\r" || char === "\n") return done();
        if (char === "\u0003") return done(new Error("Afgebroken."));
        if (char === "\u007f" || char === "\b") value = value.slice(0, -1);
        else if (value.length < MAX_BYTES) value += char;
      }
    };
    input.on("data", onData);
  });
}
