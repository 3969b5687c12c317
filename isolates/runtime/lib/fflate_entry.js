// The parts of fflate that CompressionStream/DecompressionStream use (bundled lazily, see build.mjs): raw deflate
// (RFC 1951) both ways, as synchronous streaming classes; 06_streams.js writes and checks the zlib (RFC 1950) and
// gzip (RFC 1952) framing itself.
export { Deflate, Inflate } from "fflate";
