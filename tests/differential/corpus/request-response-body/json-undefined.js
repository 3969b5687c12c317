// Response.json(undefined): JSON.stringify gives undefined, which cannot be serialised (TypeError).
export default {
  async fetch() {
    return respond({ undef: await t(() => Response.json(undefined).text()), fn: await t(() => Response.json(() => 1).text()) });
  },
};
