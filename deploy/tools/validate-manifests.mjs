// Validates rendered Kubernetes manifests (multi-document YAML on stdin, e.g. `kubectl kustomize ...`) offline against
// the Kubernetes OpenAPI schemas that the kubernetes-models packages carry, and prints the documents as one JSON array.
// Exit code 1 with one line per problem on stderr when any document is invalid or of a kind without a known schema.
import { parseAllDocuments } from "yaml";

const packages = [
  { test: (group) => group.endsWith("monitoring.coreos.com"), module: "@kubernetes-models/prometheus-operator" },
  { test: () => true, module: "kubernetes-models" },
];

async function modelFor(apiVersion, kind) {
  const slash = apiVersion.indexOf("/");
  const group = slash < 0 ? "" : apiVersion.slice(0, slash);
  const pkg = packages.find((p) => p.test(group)).module;
  let module;
  try {
    module = await import(`${pkg}/${apiVersion}`);
  } catch (error) {
    if (error?.code === "ERR_PACKAGE_PATH_NOT_EXPORTED" || error?.code === "ERR_MODULE_NOT_FOUND") return null;
    throw error;
  }
  return typeof module[kind] === "function" ? module[kind] : null;
}

function readStdin() {
  return new Promise((resolve, reject) => {
    const chunks = [];
    process.stdin.on("data", (c) => chunks.push(c));
    process.stdin.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    process.stdin.on("error", reject);
  });
}

const text = await readStdin();
const documents = parseAllDocuments(text);
const problems = [];
const objects = [];
for (const [index, document] of documents.entries()) {
  if (document.errors.length > 0) {
    problems.push(`document ${index}: YAML error: ${document.errors.map((e) => e.message).join("; ")}`);
    continue;
  }
  const object = document.toJS();
  if (object === null || object === undefined) continue;
  const name = `${object.kind ?? "?"}/${object.metadata?.name ?? "?"}`;
  if (typeof object.apiVersion !== "string" || typeof object.kind !== "string") {
    problems.push(`document ${index} (${name}): apiVersion and kind are required`);
    continue;
  }
  const Model = await modelFor(object.apiVersion, object.kind);
  if (Model === null) {
    problems.push(`${name}: no schema for ${object.apiVersion} ${object.kind}`);
    continue;
  }
  try {
    new Model(object).validate();
  } catch (error) {
    const details = Array.isArray(error.errors)
      ? error.errors.map((e) => `${e.instancePath || "/"} ${e.message}${e.params ? " " + JSON.stringify(e.params) : ""}`).join("; ")
      : String(error.message ?? error);
    problems.push(`${name}: ${details}`);
    continue;
  }
  objects.push(object);
}
if (objects.length === 0 && problems.length === 0) {
  problems.push("no documents on stdin");
}
if (problems.length > 0) {
  for (const p of problems) console.error(p);
  process.exit(1);
}
process.stdout.write(JSON.stringify(objects));
