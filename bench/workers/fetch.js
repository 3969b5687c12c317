// One outbound fetch() to a local upstream (its URL in env.UPSTREAM: the Starlette baseline's hello JSON), whose
// answer is passed on.
export default {
  async fetch(request, env) {
    const upstream = await fetch(env.UPSTREAM);
    return new Response(upstream.body, {
      status: upstream.status,
      headers: { "content-type": upstream.headers.get("content-type") ?? "application/json" },
    });
  },
};
