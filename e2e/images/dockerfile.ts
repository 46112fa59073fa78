// A small Dockerfile reader for tests: the stages and their instructions, with line continuations,
// comments and ${ARG} references of the global ARGs resolved. Enough to review our own
// Dockerfiles mechanically; not a general BuildKit front end.

export interface Instruction {
  /** Upper-case keyword: FROM, COPY, RUN, USER, ENTRYPOINT... */
  readonly keyword: string;
  /** Flags such as --from=build, by name. */
  readonly flags: Readonly<Record<string, string>>;
  /** The rest of the line after the flags, as written. */
  readonly text: string;
  /** Whitespace-separated arguments, or the elements of the JSON (exec) form. */
  readonly args: readonly string[];
  readonly line: number;
}

export interface Stage {
  readonly index: number;
  readonly name?: string;
  /** The base image, global ARGs resolved. */
  readonly from: string;
  readonly instructions: readonly Instruction[];
}

function logicalLines(text: string): { line: number; content: string }[] {
  const out: { line: number; content: string }[] = [];
  let current: { line: number; content: string } | undefined;
  text.split("\n").forEach((raw, i) => {
    const trimmed = raw.trim();
    if (trimmed.startsWith("#")) return; // comments (and parser directives) never continue a line
    if (!current) {
      if (trimmed === "") return;
      current = { line: i + 1, content: "" };
    }
    if (trimmed.endsWith("\\")) {
      current.content += `${trimmed.slice(0, -1)} `;
      return;
    }
    current.content += trimmed;
    out.push(current);
    current = undefined;
  });
  if (current) throw new Error(`line ${current.line}: the last instruction ends with a line continuation`);
  return out;
}

function parseInstruction(line: number, content: string): Instruction {
  const match = /^(\S+)\s*(.*)$/.exec(content);
  if (!match) throw new Error(`line ${line}: not an instruction`);
  const keyword = (match[1] ?? "").toUpperCase();
  let rest = match[2] ?? "";
  const flags: Record<string, string> = {};
  for (let flag = /^--([a-z-]+)(?:=(\S*))?\s*/.exec(rest); flag; flag = /^--([a-z-]+)(?:=(\S*))?\s*/.exec(rest)) {
    flags[flag[1] ?? ""] = flag[2] ?? "";
    rest = rest.slice(flag[0].length);
  }
  let args: string[];
  if (rest.startsWith("[")) {
    const parsed: unknown = JSON.parse(rest);
    if (!Array.isArray(parsed) || !parsed.every((a) => typeof a === "string")) throw new Error(`line ${line}: ${keyword}'s exec form must be a JSON array of strings`);
    args = parsed;
  } else {
    args = rest.split(/\s+/).filter(Boolean);
  }
  return { keyword, flags, text: rest, args, line };
}

/** The stages of a Dockerfile, in order. */
export function parseDockerfile(text: string): Stage[] {
  const globals: Record<string, string> = {};
  const stages: { index: number; name?: string; from: string; instructions: Instruction[] }[] = [];
  for (const { line, content } of logicalLines(text)) {
    const instruction = parseInstruction(line, content);
    if (instruction.keyword === "ARG" && stages.length === 0) {
      const [name = "", value = ""] = (instruction.args[0] ?? "").split("=", 2);
      globals[name] = value;
    } else if (instruction.keyword === "FROM") {
      const image = (instruction.args[0] ?? "").replace(/\$\{?(\w+)\}?/g, (_, name: string) => globals[name] ?? "");
      const as = instruction.args[1]?.toUpperCase() === "AS" ? instruction.args[2] : undefined;
      stages.push({ index: stages.length, ...(as ? { name: as } : {}), from: image, instructions: [] });
    } else {
      const stage = stages.at(-1);
      if (!stage) throw new Error(`line ${line}: ${instruction.keyword} before the first FROM`);
      stage.instructions.push(instruction);
    }
  }
  return stages;
}

/** The last instruction of a kind in a stage (USER, WORKDIR and ENTRYPOINT: the last one counts). */
export function lastOf(stage: Stage, keyword: string): Instruction | undefined {
  return stage.instructions.filter((i) => i.keyword === keyword).at(-1);
}

/** A COPY's sources and destination (the last argument). */
export function copyParts(copy: Instruction): { sources: string[]; destination: string } {
  if (copy.args.length < 2) throw new Error(`line ${copy.line}: COPY needs a source and a destination`);
  return { sources: copy.args.slice(0, -1), destination: copy.args.at(-1) ?? "" };
}
