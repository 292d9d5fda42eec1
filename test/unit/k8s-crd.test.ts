// Every generated DynamoGraphDeployment and KAI Queue against the real CRD
// schemas in the reference data (strict: unknown fields, int-or-string, the
// CEL rules on fields we emit, metadata). Broken graphs must fail.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse, parseAllDocuments } from "yaml";
import { buildGraphDeployment, kaiQueues } from "../../lib/kubernetes";
import { assertValidCustomResource, NO_CRDS, referenceDir, validateCustomResource } from "../helpers/crd-validate";
import { SCENARIOS, k8sSpec } from "./k8s-fixtures";

type Obj = Record<string, any>;
const clone = <T>(v: T): T => structuredClone(v);

describe("the validator accepts NVIDIA's own examples", { skip: NO_CRDS }, () => {
    for (const file of ["vllm/agg.yaml", "vllm/disagg.yaml", "vllm/disagg-multinode.yaml", "sglang/disagg.yaml", "trtllm/disagg.yaml"]) {
        test(file, () => assertValidCustomResource(parse(fs.readFileSync(path.join(referenceDir, "examples", file), "utf8"))));
    }
    test("kai-scheduler default-queues.yaml", () => {
        for (const doc of parseAllDocuments(fs.readFileSync(path.join(referenceDir, "kai-scheduler/v0.13.0/default-queues.yaml"), "utf8"))) {
            assertValidCustomResource(doc.toJSON());
        }
    });
});

describe("generated graphs are valid DynamoGraphDeployments", { skip: NO_CRDS }, () => {
    for (const [name, override] of Object.entries(SCENARIOS)) {
        test(name, () => {
            assertValidCustomResource(buildGraphDeployment(k8sSpec(override)));
            assertValidCustomResource(buildGraphDeployment(k8sSpec(override), { envSecret: "bench-secret-env" }));
        });
    }
});

describe("generated KAI queues are valid Queues", { skip: NO_CRDS }, () => {
    for (const [name, override] of Object.entries(SCENARIOS)) {
        const queues = kaiQueues(k8sSpec(override));
        test(`${name} (${queues.length} queues)`, () => queues.forEach(assertValidCustomResource));
    }
    test("at least one scenario creates queues", () => {
        assert.ok(kaiQueues(k8sSpec()).length > 0);
    });
});

describe("broken graphs fail validation", { skip: NO_CRDS }, () => {
    const good = () => buildGraphDeployment(k8sSpec({ modelCache: { pvcName: "models" } })) as Obj;
    const broken: Array<[string, (m: Obj) => void, RegExp]> = [
        ["unknown service field (typo)", (m) => (m.spec.services.decode.replica = 2), /additional properties.*replica/],
        ["unknown top-level spec field", (m) => (m.spec.service = {}), /additional properties.*service/],
        ["GPU count as a number", (m) => (m.spec.services.decode.resources.limits.gpu = 4), /limits\/gpu: must be string/],
        ["multinode of one node", (m) => (m.spec.services.decode.multinode = { nodeCount: 1 }), /nodeCount: must be >= 2/],
        ["replicas as a string", (m) => (m.spec.services.prefill.replicas = "1"), /replicas: must be integer/],
        ["args as one string", (m) => (m.spec.services.decode.extraPodSpec.mainContainer.args = "--model x"), /args: must be array/],
        ["unknown backend framework", (m) => (m.spec.backendFramework = "tgi"), /backendFramework: must be equal to one of the allowed values/],
        ["env without a name", (m) => (m.spec.envs = [{ value: "1" }]), /must have required property 'name'/],
        ["shared memory without size (CEL rule)", (m) => (m.spec.services.decode.sharedMemory = {}), /size is required when disabled is false/],
        [
            "PVC created without size (CEL rule)",
            (m) => (m.spec.pvcs = [{ name: "models", create: true }]),
            /When create is true, size, storageClass, and volumeAccessMode are required/,
        ],
        ["uppercase name", (m) => (m.metadata.name = "Bench"), /metadata.name: expected a DNS-1123 subdomain/],
        [
            "non-string annotation",
            (m) => (m.metadata.annotations["nvidia.com/enable-grove"] = true),
            /metadata.annotations.nvidia.com\/enable-grove: expected a string/,
        ],
        ["served version that does not exist", (m) => (m.apiVersion = "nvidia.com/v2"), /has no version v2/],
    ];
    for (const [name, breakIt, expected] of broken) {
        test(name, () => {
            const m = clone(good());
            assert.deepEqual(validateCustomResource(m), [], "the unbroken graph is valid");
            breakIt(m);
            const errors = validateCustomResource(m);
            assert.ok(
                errors.some((e) => expected.test(e)),
                `expected an error matching ${expected}, got:\n${errors.join("\n")}`,
            );
            assert.throws(() => assertValidCustomResource(m), /is invalid against its CRD/);
        });
    }

    test("a CEL rule without a hand-written equivalent is reported, not passed", () => {
        const m = clone(good());
        m.spec.services.decode.checkpoint = { enabled: true };
        assert.ok(validateCustomResource(m).some((e) => /CEL rule without an equivalent/.test(e)));
    });

    test("a namespaced Queue is rejected (Queues are cluster-scoped)", () => {
        const [parent] = kaiQueues(k8sSpec());
        const q = { ...clone(parent), metadata: { name: parent.metadata.name, namespace: "dynamo-bench" } };
        assert.ok(validateCustomResource(q).some((e) => /cluster-scoped/.test(e)));
    });

    test("a Queue with a string quota is rejected", () => {
        const [parent] = kaiQueues(k8sSpec());
        const q = clone(parent) as Obj;
        q.spec.resources.gpu.quota = "-1";
        assert.ok(validateCustomResource(q).some((e) => /quota: must be number/.test(e)));
    });
});
