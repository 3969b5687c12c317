// A plain-text response: the client gets the text and its content type.
export default {
  async fetch() {
    return new Response("plain \u00e9 text", { status: 203 });
  },
};
