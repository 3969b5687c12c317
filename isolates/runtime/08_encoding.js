// TextEncoder / TextDecoder (WHATWG Encoding) from @exodus/bytes, which implements the spec in
// plain JS (utf-8, utf-16, the single-byte encodings; fatal, ignoreBOM, stream). Loaded before
// 10_url.js because whatwg-url creates a TextEncoder when it is first evaluated.
import { TextDecoder, TextEncoder } from "@exodus/bytes/encoding-lite.js";
import { defineGlobal } from "./00_infra.js";

defineGlobal("TextEncoder", TextEncoder);
defineGlobal("TextDecoder", TextDecoder);
