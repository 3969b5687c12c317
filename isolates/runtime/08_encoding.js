// TextEncoder / TextDecoder (WHATWG Encoding) from @exodus/bytes, which implements the spec in
// plain JS (utf-8, utf-16le/be, the single-byte encodings incl. windows-1252, which the labels latin1,
// iso-8859-1 and ascii name; fatal, ignoreBOM, stream). Loaded before 10_url.js because whatwg-url
// creates a TextEncoder when it is first evaluated.
//
// The legacy multi-byte encodings (Shift_JIS, EUC-JP, ISO-2022-JP, GBK, gb18030, Big5, EUC-KR), which workerd
// decodes, come from the same package's multi-byte decoders with their index tables (about 180 KB of code and
// data): a lazy part (`edgeworker:lazy/multibyte`, see build.mjs), evaluated the first time such a decoder
// decodes something, so an isolate that never does so does not hold them. The lite entry point takes them through
// its own hook, `setMultibyte`, which the package's full entry point (encoding.js) calls when it loads; the hook is
// not among the package's exports, hence the import by path (the version is pinned by package-lock.json).
import { TextDecoder, TextEncoder } from "@exodus/bytes/encoding-lite.js";
import { setMultibyte } from "../../node_modules/@exodus/bytes/fallback/encoding.js";
import loadMultiByte from "edgeworker:lazy/multibyte";
import { defineGlobal } from "./00_infra.js";

let multiByte = null;
/** The decoder for a multi-byte `encoding`: `(bytes, stream) => string` (`loose`: U+FFFD instead of a TypeError). */
function createMultibyteDecoder(encoding, loose) {
  if (multiByte === null) multiByte = loadMultiByte();
  return multiByte.createMultibyteDecoder(encoding, loose);
}
setMultibyte(createMultibyteDecoder, undefined); // no multi-byte encoders: TextEncoder is UTF-8 only

defineGlobal("TextEncoder", TextEncoder);
defineGlobal("TextDecoder", TextDecoder);
