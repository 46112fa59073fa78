// The two Dockerfiles, reviewed mechanically (no Docker engine here): every file a COPY takes from
// the build context exists and is not dropped by .dockerignore, the final stage runs as the
// non-root uid the pods use, and its ENTRYPOINT and everything that entry point imports are in it.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, posix } from "node:path";
import { fileURLToPath } from "node:url";
import yaml from "js-yaml";
import { runtimeUid } from "../../operator/resources/pod.js";
import { copyParts, lastOf, parseDockerfile, type Stage } from "./dockerfile.js";
import { isIgnored, parseDockerignore } from "./dockerignore.js";
import { buildRoots, compiledPath, importClosure } from "./imports.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const read = (path: string) => readFileSync(join(root, path), "utf8");
const ignore = parseDockerignore(read(".dockerignore"));
const chartValues = yaml.load(read("charts/waba-operator/values.yaml")) as { operator: { podSecurityContext: { runAsUser: number } } };

const images = [
  { name: "operator", dockerfile: "operator/Dockerfile", entry: "operator/main.ts", uid: chartValues.operator.podSecurityContext.runAsUser },
  { name: "runtime", dockerfile: "runtime/Dockerfile", entry: "runtime/main.ts", uid: runtimeUid },
] as const;

/** Files under a context path that the build context keeps. */
function contextFiles(path: string): string[] {
  const full = join(root, path);
  if (!statSync(full).isDirectory()) return isIgnored(ignore, path) ? [] : [path];
  return readdirSync(full).flatMap((entry) => (isIgnored(ignore, `${path}/${entry}`) ? [] : contextFiles(`${path}/${entry}`)));
}

const finalStage = (stages: Stage[]) => stages.at(-1)!;
const clean = (path: string) => posix.normalize(path).replace(/\/$/, "");

describe.each(images)("the $name image", ({ dockerfile, entry, uid }) => {
  const stages = parseDockerfile(read(dockerfile));
  const final = finalStage(stages);
  const workdir = lastOf(final, "WORKDIR")?.args[0] ?? "/";
  const stageNamed = (name: string) => stages.find((s) => s.name === name);

  test("is built in stages on a Node.js LTS slim base that package.json's engines allow", () => {
    const maxMajor = Number(/<\s*(\d+)/.exec(JSON.parse(read("package.json")).engines.node as string)?.[1]);
    expect(stages.length).toBeGreaterThanOrEqual(3);
    for (const stage of stages) {
      const major = Number(/^node:(\d+)-[a-z]+-slim$/.exec(stage.from)?.[1]);
      expect({ stage: stage.name ?? "final", from: stage.from, lts: major % 2 === 0 && major >= 20 && major < maxMajor }).toEqual({ stage: stage.name ?? "final", from: stage.from, lts: true });
    }
  });

  test("copies from the build context only files that exist and that .dockerignore keeps", () => {
    const copies = stages.flatMap((s) => s.instructions).filter((i) => i.keyword === "COPY" && !i.flags.from);
    expect(copies.length).toBeGreaterThan(0);
    for (const copy of copies) {
      for (const source of copyParts(copy).sources) {
        const path = clean(source);
        expect({ source, exists: existsSync(join(root, path)) }).toEqual({ source, exists: true });
        expect({ source, filesInContext: contextFiles(path).length > 0 }).toEqual({ source, filesInContext: true });
      }
    }
  });

  test("copies between stages only from stages defined before", () => {
    stages.forEach((stage, index) => {
      for (const copy of stage.instructions.filter((i) => i.keyword === "COPY" && i.flags.from)) {
        const from = stages.findIndex((s) => s.name === copy.flags.from);
        expect({ line: copy.line, from: copy.flags.from, earlier: from >= 0 && from < index }).toEqual({ line: copy.line, from: copy.flags.from, earlier: true });
      }
    });
  });

  test("takes its node_modules from a stage that installed only production dependencies", () => {
    const modules = final.instructions.find((i) => i.keyword === "COPY" && i.flags.from && copyParts(i).destination.startsWith("node_modules"));
    const deps = stageNamed(modules?.flags.from ?? "");
    expect(deps?.instructions.filter((i) => i.keyword === "RUN").map((i) => i.text)).toEqual([expect.stringMatching(/^npm ci --omit=dev\b/)]);
  });

  test("runs as a numeric non-root user: the uid its pods are given", () => {
    const user = lastOf(final, "USER")?.args[0] ?? "root";
    expect(user).toMatch(/^\d+:\d+$/);
    expect(Number(user.split(":")[0])).toBe(uid);
    expect(uid).toBeGreaterThan(0);
  });

  test("has no HEALTHCHECK and writes nothing at run time outside mounted volumes (no RUN in the final stage)", () => {
    expect(stages.flatMap((s) => s.instructions).filter((i) => i.keyword === "HEALTHCHECK")).toEqual([]);
    expect(final.instructions.filter((i) => i.keyword === "RUN")).toEqual([]);
  });

  test("starts its entry point from the compiled output, with every module it imports copied in", () => {
    const entrypoint = lastOf(final, "ENTRYPOINT");
    expect(entrypoint?.args).toEqual(["node", compiledPath(entry)]);
    // What the final stage takes from the build stage: build path → image path.
    const copied = final.instructions
      .filter((i) => i.keyword === "COPY" && i.flags.from === "build")
      .map((i) => {
        const { sources, destination } = copyParts(i);
        const buildDir = lastOf(stageNamed("build")!, "WORKDIR")?.args[0] ?? "/";
        return { from: clean(posix.resolve(buildDir, sources[0]!)), to: clean(posix.resolve(workdir, destination)) };
      });
    const inImage = (source: string) => {
      const built = posix.join(lastOf(stageNamed("build")!, "WORKDIR")?.args[0] ?? "/", compiledPath(source));
      const copy = copied.find((c) => built.startsWith(`${c.from}/`));
      return copy ? copy.to + built.slice(copy.from.length) : undefined;
    };
    expect(inImage(entry)).toBe(posix.join(workdir, compiledPath(entry)));
    const closure = importClosure(root, entry);
    const excludedFromBuild = (f: string) => /\.test\.ts$/.test(f) || /(^|\/)testing\//.test(f);
    expect(closure.filter((f) => !inImage(f) || excludedFromBuild(f))).toEqual([]);
    expect(closure.filter((f) => isIgnored(ignore, f))).toEqual([]);
  });
});

test(".dockerignore keeps installed, built and cached files out of the context, and what the build needs in", () => {
  const out = ["node_modules/pg/package.json", "dist/runtime/main.js", ".git/HEAD", "coverage/lcov.info", "runtime/node_modules/x/index.js",
    "operator/dist/main.js", "e2e/cluster/up.sh", "charts/waba-operator/Chart.yaml", "bench/results/x.json",
    "runtime/webapp/messages.pg.test.ts", "runtime/system/testing/instance.ts"];
  const kept = ["package.json", "package-lock.json", "tsconfig.json", "tsconfig.build.json", "operator/config/config.ts", "runtime/main.ts"];
  expect(out.filter((p) => !isIgnored(ignore, p))).toEqual([]);
  expect(kept.filter((p) => isIgnored(ignore, p))).toEqual([]);
});

test("every file `npm run build` compiles (tsconfig.build.json's files and what they import) is in the build context", () => {
  const compiled = importClosure(root, ...buildRoots(root, "tsconfig.build.json"));
  expect(compiled.length).toBeGreaterThan(100);
  expect(compiled.filter((f) => isIgnored(ignore, f))).toEqual([]);
});
