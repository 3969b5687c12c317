// A service-worker-syntax worker that echoes the request back as JSON.
addEventListener("fetch", (event) => {
  event.respondWith(handle(event.request));
});

async function handle(request) {
  const body = request.method === "GET" || request.method === "HEAD" ? null : await request.text();
  return Response.json({
    method: request.method,
    url: request.url,
    headers: Object.fromEntries(request.headers),
    body,
  });
}
