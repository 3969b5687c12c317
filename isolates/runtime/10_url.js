// URL and URLSearchParams from whatwg-url, the WHATWG URL Standard's reference implementation.
import { URL, URLSearchParams } from "whatwg-url";
import { defineGlobal } from "./00_infra.js";

defineGlobal("URL", URL);
defineGlobal("URLSearchParams", URLSearchParams);

export { URL, URLSearchParams };
