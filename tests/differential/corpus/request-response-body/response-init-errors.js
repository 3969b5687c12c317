// Status must be 200-599, a null-body status cannot have a body, statusText must be a reason-phrase.
export default {
  async fetch() {
    return respond({
      s199: ts(() => new Response("", { status: 199 })),
      s600: ts(() => new Response("", { status: 600 })),
      s0: ts(() => new Response(null, { status: 0 })),
      s204body: ts(() => new Response("x", { status: 204 })),
      s204null: ts(() => new Response(null, { status: 204 }).status),
      badText: ts(() => new Response("", { statusText: "a\nb" })),
      okText: ts(() => new Response("", { status: 201, statusText: "Made it" }).statusText),
      s599: ts(() => new Response("", { status: 599 }).ok),
      s299: ts(() => new Response("", { status: 299 }).ok),
      s300: ts(() => new Response("", { status: 300 }).ok),
    });
  },
};
