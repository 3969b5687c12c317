// structuredClone (HTML §2.7) from @ungap/structured-clone; its errors become DataCloneError.
import ungapClone from "@ungap/structured-clone";
import { defineGlobal, primordials } from "./00_infra.js";
import { DOMException } from "./01_dom_exception.js";

const { TypeError: TypeErr } = primordials;

function structuredClone(value, options = undefined) {
  if (arguments.length === 0) throw new TypeErr("Failed to execute 'structuredClone': 1 argument required, but only 0 present.");
  try {
    return ungapClone(value, options && options.transfer ? { transfer: options.transfer } : undefined);
  } catch (e) {
    throw new DOMException(e && e.message ? e.message : "value could not be cloned", "DataCloneError");
  }
}

defineGlobal("structuredClone", structuredClone);
