// The incoming request's URL: host from the Host header, path and query as sent.
export default {
  async fetch(request) {
    const u = new URL(request.url);
    return respond({ host: u.host, pathname: u.pathname, search: u.search, q: u.searchParams.get("q") });
  },
};
