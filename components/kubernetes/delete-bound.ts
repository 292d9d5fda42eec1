// One bound on how long `pulumi destroy` waits for each Kubernetes object of the
// stack to be gone. The provider waits 10 minutes by default, and a finalizer
// nobody removes (a graph whose operator is gone) or a namespace whose contents
// cannot go would hold destroy that long; with the bound, destroy fails naming
// the object and the finalizers the provider saw on it.
import type * as pulumi from "@pulumi/pulumi";
import type { BenchmarkSpec } from "../../config/resolve";

export function deleteBound(spec: Pick<BenchmarkSpec, "timeouts">): { customTimeouts: pulumi.CustomTimeouts } {
    return { customTimeouts: { delete: `${spec.timeouts.deleteSeconds}s` } };
}
