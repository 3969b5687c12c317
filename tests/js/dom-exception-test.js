function eq(actual, expected, what = "") {
  const a = JSON.stringify(actual), e = JSON.stringify(expected);
  if (a !== e) throw new Error(`${what} expected ${e}, got ${a}`);
}

export function namesAndCodes() {
  const e = new DOMException("msg", "NotFoundError");
  eq([e.name, e.message, e.code, e instanceof Error], ["NotFoundError", "msg", 8, true]);
  eq([new DOMException().name, new DOMException().message, new DOMException().code], ["Error", "", 0]);
  eq(new DOMException("m", "ValidationError").code, 0);
  eq(new DOMException("m", { name: "DataCloneError", cause: 1 }).cause, 1);
  const expected = { INDEX_SIZE_ERR: 1, DOMSTRING_SIZE_ERR: 2, HIERARCHY_REQUEST_ERR: 3, WRONG_DOCUMENT_ERR: 4,
    INVALID_CHARACTER_ERR: 5, NO_DATA_ALLOWED_ERR: 6, NO_MODIFICATION_ALLOWED_ERR: 7, NOT_FOUND_ERR: 8,
    NOT_SUPPORTED_ERR: 9, INUSE_ATTRIBUTE_ERR: 10, INVALID_STATE_ERR: 11, SYNTAX_ERR: 12, INVALID_MODIFICATION_ERR: 13,
    NAMESPACE_ERR: 14, INVALID_ACCESS_ERR: 15, VALIDATION_ERR: 16, TYPE_MISMATCH_ERR: 17, SECURITY_ERR: 18,
    NETWORK_ERR: 19, ABORT_ERR: 20, URL_MISMATCH_ERR: 21, QUOTA_EXCEEDED_ERR: 22, TIMEOUT_ERR: 23,
    INVALID_NODE_TYPE_ERR: 24, DATA_CLONE_ERR: 25 };
  for (const [k, v] of Object.entries(expected)) {
    eq([DOMException[k], DOMException.prototype[k]], [v, v], k);
  }
  for (const [name, code] of [["AbortError", 20], ["TimeoutError", 23], ["InvalidCharacterError", 5],
    ["QuotaExceededError", 22], ["SyntaxError", 12], ["OperationError", 0], ["NotAllowedError", 0]]) {
    eq(new DOMException("", name).code, code, name);
  }
  eq(Object.prototype.toString.call(e), "[object DOMException]");
}
