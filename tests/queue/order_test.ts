import assert from "node:assert/strict";
import { comparePending, PendingIndex } from "../../src/queue/mod.ts";

Deno.test("lower priority numbers come first, then older ids", () => {
  const entries = [
    { id: "b", priority: 5 },
    { id: "a", priority: 5 },
    { id: "z", priority: 0 },
    { id: "c", priority: 100 },
  ];
  assert.deepEqual(entries.sort(comparePending).map((e) => e.id), ["z", "a", "b", "c"]);
});

Deno.test("the index pops in dequeue order and skips removed or re-prioritised entries", () => {
  const index = new PendingIndex();
  for (let i = 0; i < 200; i++) index.add({ id: `id${String(i).padStart(3, "0")}`, priority: i % 7 });
  index.remove("id000");
  index.add({ id: "id199", priority: 0 }); // moved up from priority 3
  const popped: string[] = [];
  for (let next = index.pop(); next; next = index.pop()) popped.push(`${next.priority}:${next.id}`);
  assert.equal(popped.length, 199);
  assert.equal(popped[0], "0:id007");
  assert.ok(
    popped.includes("0:id199") && !popped.includes("3:id199") && !popped.some((p) => p.endsWith(":id000")),
  );
  const sorted = [...popped].sort((a, b) => {
    const [pa, ia] = a.split(":"), [pb, ib] = b.split(":");
    return Number(pa) - Number(pb) || (ia! < ib! ? -1 : 1);
  });
  assert.deepEqual(popped, sorted);
  assert.equal(index.size, 0);
});
