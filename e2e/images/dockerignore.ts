// .dockerignore as Docker reads it (moby/patternmatcher): patterns are relative to the context
// root, `*` and `?` stay within a path segment, `**` crosses them, `!` re-includes, the last
// matching pattern wins, and a pattern that matches a directory matches everything under it.

interface Rule {
  readonly exclude: boolean;
  readonly regex: RegExp;
}

function toRegex(pattern: string): RegExp {
  let source = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern.charAt(i);
    if (c === "*" && pattern[i + 1] === "*") {
      i++;
      if (pattern[i + 1] === "/") {
        i++;
        source += "(?:.*/)?"; // `**/` is zero or more whole segments
      } else {
        source += ".*";
      }
    } else if (c === "*") source += "[^/]*";
    else if (c === "?") source += "[^/]";
    else source += c.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${source}$`);
}

export function parseDockerignore(text: string): Rule[] {
  return text
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("#"))
    .map((l) => {
      const exclude = !l.startsWith("!");
      const pattern = (exclude ? l : l.slice(1)).trim().replace(/^\/+/, "").replace(/\/+$/, "").replace(/^\.\//, "");
      return { exclude, regex: toRegex(pattern) };
    });
}

/** Whether a path (relative to the context, with forward slashes) stays out of the build context. */
export function isIgnored(rules: readonly Rule[], path: string): boolean {
  const segments = path.split("/");
  const prefixes = segments.map((_, i) => segments.slice(0, i + 1).join("/"));
  let ignored = false;
  for (const rule of rules) {
    if (prefixes.some((p) => rule.regex.test(p))) ignored = rule.exclude;
  }
  return ignored;
}
