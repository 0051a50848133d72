import assert from "node:assert/strict";
import { diskVerdict, formatBytes, LOW_DISK_BYTES, parseDf } from "../../src/doctor/mod.ts";

const HEADER = "Filesystem     1024-blocks     Used Available Capacity Mounted on\n";

Deno.test("parseDf reads the available 1024-byte blocks and the mount point of df -Pk", () => {
  assert.deepEqual(parseDf(HEADER + "/dev/vda         264212084 24685152  81705760      24% /\n"), {
    filesystem: "/dev/vda",
    availableBytes: 81705760 * 1024,
    mountedOn: "/",
  });
});

Deno.test("parseDf keeps spaces in the filesystem and the mount point", () => {
  assert.deepEqual(parseDf(HEADER + "//nas/my share 1000 400 600 40% /mnt/my share\n"), {
    filesystem: "//nas/my share",
    availableBytes: 600 * 1024,
    mountedOn: "/mnt/my share",
  });
  assert.equal(parseDf(HEADER + "tmpfs 0 0 0 - /run/x\n")?.availableBytes, 0);
});

Deno.test("parseDf returns null for output without a filesystem line", () => {
  assert.equal(parseDf(HEADER), null);
  assert.equal(parseDf(""), null);
  assert.equal(parseDf(HEADER + "df: /nope: No such file or directory\n"), null);
});

Deno.test("formatBytes picks GiB, MiB or KiB", () => {
  assert.equal(formatBytes(LOW_DISK_BYTES), "1 GiB");
  assert.equal(formatBytes(41.25 * 1024 ** 3), "41.3 GiB");
  assert.equal(formatBytes(512 * 1024 ** 2 + 5), "512 MiB");
  assert.equal(formatBytes(80 * 1024), "80 KiB");
});

Deno.test("diskVerdict is ok from 1 GiB free and warns below, naming the threshold and the mount", () => {
  const at = (availableBytes: number) => ({ filesystem: "/dev/vda", availableBytes, mountedOn: "/srv" });
  assert.deepEqual(diskVerdict(at(LOW_DISK_BYTES), ".ork/worktrees"), {
    name: "disk",
    status: "ok",
    message: "1 GiB free for .ork/worktrees (on /srv; doctor warns under 1 GiB)",
  });
  assert.deepEqual(diskVerdict(at(LOW_DISK_BYTES - 1024), ".ork/worktrees"), {
    name: "disk",
    status: "warn",
    message:
      "only 1023 MiB free for .ork/worktrees (on /srv, under 1 GiB): every job's worktree is a full checkout",
    fix: "free space on /srv",
  });
});
