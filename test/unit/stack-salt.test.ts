// The default stack's committed encryption salt opens with the local-only
// passphrase of scripts/pulumi-env.sh, as Pulumi checks it (PBKDF2-SHA256,
// 1,000,000 rounds, AES-256-GCM over the word "pulumi"): with a matching salt
// in the file, `pulumi stack init` and `pulumi up` leave the tracked file alone.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createDecipheriv, pbkdf2Sync } from "node:crypto";
import * as fs from "node:fs";
import { parse } from "yaml";
import { repoPath } from "../../lib/paths";

function passphraseOfPulumiEnv(): string {
    const m = /PULUMI_CONFIG_PASSPHRASE="([^"]*)"/.exec(fs.readFileSync(repoPath("scripts", "pulumi-env.sh"), "utf8"));
    assert.ok(m, "scripts/pulumi-env.sh sets a default PULUMI_CONFIG_PASSPHRASE");
    return m[1]!;
}

/** What Pulumi's passphrase secrets manager does with `v1:<salt>:v1:<nonce>:<ciphertext+tag>`. */
function openSalt(state: string, passphrase: string): string {
    const [version, salt, innerVersion, nonce, sealed] = state.split(":");
    assert.equal(version, "v1");
    assert.equal(innerVersion, "v1");
    const key = pbkdf2Sync(passphrase, Buffer.from(salt!, "base64"), 1_000_000, 32, "sha256");
    const box = Buffer.from(sealed!, "base64");
    const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(nonce!, "base64"));
    decipher.setAuthTag(box.subarray(box.length - 16));
    return Buffer.concat([decipher.update(box.subarray(0, box.length - 16)), decipher.final()]).toString("utf8");
}

test("stacks/Pulumi.local.yaml's encryptionsalt belongs to the local-only passphrase", () => {
    const stack = parse(fs.readFileSync(repoPath("stacks", "Pulumi.local.yaml"), "utf8")) as { encryptionsalt?: string };
    assert.ok(stack.encryptionsalt, "the default stack carries its salt, so Pulumi never writes one into the tracked file");
    assert.equal(openSalt(stack.encryptionsalt, passphraseOfPulumiEnv()), "pulumi");
    assert.throws(() => openSalt(stack.encryptionsalt!, "another passphrase"));
});
