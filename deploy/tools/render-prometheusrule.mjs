// Writes deploy/k8s/overlays/prod/prometheusrule.yaml from deploy/prometheus/sharemint-alerts.yml, so the Prometheus
// Operator gets exactly the rules that promtool tests. Run after editing the rules: node deploy/tools/render-prometheusrule.mjs
// (Operations.Tests fails when the two differ.)
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse, stringify } from "yaml";

const deploy = join(dirname(fileURLToPath(import.meta.url)), "..");
const rules = parse(readFileSync(join(deploy, "prometheus", "sharemint-alerts.yml"), "utf8"));
const resource = {
  apiVersion: "monitoring.coreos.com/v1",
  kind: "PrometheusRule",
  metadata: { name: "sharemint-alerts", labels: { release: "prometheus" } },
  spec: { groups: rules.groups },
};
const header = "# Generated from deploy/prometheus/sharemint-alerts.yml by deploy/tools/render-prometheusrule.mjs: edit that file, not this one.\n";
writeFileSync(join(deploy, "k8s", "overlays", "prod", "prometheusrule.yaml"), header + stringify(resource, { lineWidth: 0 }));
