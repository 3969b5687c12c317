// TextEncoder / TextDecoder (WHATWG Encoding) from @exodus/bytes, which implements the spec in
// plain JS (utf-8, utf-16le/be, the single-byte encodings incl. windows-1252, which the labels latin1,
// iso-8859-1 and ascii name; fatal, ignoreBOM, stream). Loaded before 10_url.js because whatwg-url
// creates a TextEncoder when it is first evaluated. The lite entry point leaves out the legacy
// multi-byte encodings (Shift_JIS, GBK, Big5, EUC-KR, ...: large tables): those labels throw a
// RangeError, as an unknown label does, instead of the package's plain Error.
import { TextDecoder as LiteTextDecoder, TextEncoder } from "@exodus/bytes/encoding-lite.js";
import { defineGlobal, primordials } from "./00_infra.js";

const { ArrayPrototypeIndexOf, RangeError: RangeErr, String: Str } = primordials;
const ReflectConstruct = Reflect.construct;

const MULTI_BYTE = ["gbk", "gb18030", "big5", "euc-jp", "iso-2022-jp", "shift_jis", "euc-kr"];

// A Proxy keeps the class itself (prototype, instanceof, name) and only refuses the multi-byte encodings.
const TextDecoder = new Proxy(LiteTextDecoder, {
  construct(target, args, newTarget) {
    const decoder = ReflectConstruct(target, args, newTarget);
    if (ArrayPrototypeIndexOf(MULTI_BYTE, decoder.encoding) !== -1) {
      throw new RangeErr(`Failed to construct 'TextDecoder': The encoding label provided ('${Str(args[0])}') is not supported.`);
    }
    return decoder;
  },
});

defineGlobal("TextEncoder", TextEncoder);
defineGlobal("TextDecoder", TextDecoder);
