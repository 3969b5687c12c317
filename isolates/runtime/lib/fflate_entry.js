// The parts of fflate that CompressionStream/DecompressionStream use (bundled lazily, see build.mjs):
// gzip (RFC 1952), deflate (zlib, RFC 1950) and deflate-raw (RFC 1951), as synchronous streaming classes.
export { Deflate, Gunzip, Gzip, Inflate, Unzlib, Zlib } from "fflate";
