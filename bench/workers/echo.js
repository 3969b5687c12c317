// Echo/transform: parse a ~16 KB JSON POST body, change every item, answer the result as JSON.
export default {
  async fetch(request) {
    const body = await request.json();
    const items = body.items.map((item) => ({ id: item.id, name: item.name.toUpperCase(), value: item.value * 2 }));
    return Response.json({ count: items.length, total: items.reduce((sum, item) => sum + item.value, 0), items });
  },
};
