// Prepended to every case (by tests/differential/differential.py) for both runtimes.
// t(fn): the value fn returns (awaited), or {error: <name>} for what it throws; values JSON cannot hold are
// spelled out. hex(bytes): lower-case hex of an ArrayBuffer or a view.
const __describe = (v) => {
  if (v === undefined) return "<undefined>";
  if (typeof v === "number" && !Number.isFinite(v)) return `<${v}>`;
  if (typeof v === "bigint") return `<${v}n>`;
  if (typeof v === "symbol") return `<${v.toString()}>`;
  if (typeof v === "function") return `<function ${v.name}>`;
  if (typeof v === "object" && v !== null && !Array.isArray(v)) {
    const proto = Object.getPrototypeOf(v);
    if (proto !== Object.prototype && proto !== null) return `<${Object.prototype.toString.call(v)}>`;
  }
  return v;
};
const __thrown = (e) => {
  if (e instanceof DOMException) return { error: e.name, code: e.code, domexception: true };
  if (e instanceof Error) return { error: e.name };
  return { thrownValue: __describe(e) };
};
async function t(fn) {
  try {
    return __describe(await fn());
  } catch (e) {
    return __thrown(e);
  }
}
function ts(fn) {
  try {
    return __describe(fn());
  } catch (e) {
    return __thrown(e);
  }
}
function hex(data) {
  const bytes = data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
const bytesOf = (...values) => new Uint8Array(values);
async function readAll(stream) {
  const chunks = [];
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
  }
  return chunks;
}
async function readBytes(stream) {
  const chunks = await readAll(stream);
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}
const respond = (observations) => Response.json(observations);
