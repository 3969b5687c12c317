// Response.json() of values JSON.stringify cannot serialise (Fetch: TypeError; workerd: the text "undefined").
export default {
  async fetch() {
    return respond({ undef: await t(() => Response.json(undefined).text()), fn: await t(() => Response.json(() => 1).text()) });
  },
};
