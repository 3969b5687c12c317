// CustomEvent carries detail (undefined when not given, as in workerd; the DOM Standard says null); Event needs a type argument.
export default {
  async fetch() {
    const et = new EventTarget();
    let got;
    et.addEventListener("c", (e) => { got = [e.detail, e instanceof Event]; });
    et.dispatchEvent(new CustomEvent("c", { detail: { n: 1 } }));
    return respond({
      got, defaultDetail: new CustomEvent("d").detail,
      noType: ts(() => new Event()), notEvent: ts(() => et.dispatchEvent({ type: "x" })),
    });
  },
};
