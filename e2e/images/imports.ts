// The modules a program loads: the closure of relative imports (static and dynamic, type-only
// ones left out as tsc erases them) from its entry, as source paths. An image must contain the
// compiled form of every one of them.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import ts from "typescript";

function runtimeImports(file: string, text: string): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && node.importClause?.phaseModifier !== ts.SyntaxKind.TypeKeyword && ts.isStringLiteral(node.moduleSpecifier)) {
      found.push(node.moduleSpecifier.text);
    } else if (ts.isExportDeclaration(node) && !node.isTypeOnly && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      found.push(node.moduleSpecifier.text);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [arg] = node.arguments;
      if (arg && ts.isStringLiteral(arg)) found.push(arg.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found.filter((s) => s.startsWith("./") || s.startsWith("../"));
}

/** Source files (relative to `root`) reachable from the `entries` through relative imports. */
export function importClosure(root: string, ...entries: string[]): string[] {
  const seen = new Set<string>();
  const pending = [...entries];
  for (let file = pending.pop(); file !== undefined; file = pending.pop()) {
    if (seen.has(file)) continue;
    seen.add(file);
    for (const specifier of runtimeImports(file, readFileSync(join(root, file), "utf8"))) {
      const target = normalize(join(dirname(file), specifier.replace(/\.js$/, ".ts")));
      if (!existsSync(join(root, target))) throw new Error(`${file} imports ${specifier}, which does not exist`);
      pending.push(target);
    }
  }
  return [...seen].sort();
}

/** The files tsc -p `config` starts from (its include minus its exclude), relative to `root`. */
export function buildRoots(root: string, config: string): string[] {
  const parsed = ts.getParsedCommandLineOfConfigFile(join(root, config), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => { throw new Error(ts.flattenDiagnosticMessageText(d.messageText, "\n")); } });
  if (!parsed) throw new Error(`cannot read ${config}`);
  return parsed.fileNames.map((f) => relative(root, f));
}

/** Where tsc -p tsconfig.build.json (rootDir ".", outDir "dist") writes a source file. */
export function compiledPath(source: string): string {
  return `dist/${source.replace(/\.ts$/, ".js")}`;
}
