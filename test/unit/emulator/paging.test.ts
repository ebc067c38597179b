import { describe, expect, it } from "vitest";
import { pageCount, paginate, pageUri, readBool, readList, readPage } from "../../../src/emulator/paging.js";

const q = (s: string): URLSearchParams => new URLSearchParams(s);

describe("paging math", () => {
  it.each([
    [0, 25, 0, "nothing to page"],
    [1, 25, 1, "one partial page"],
    [25, 25, 1, "exactly one page"],
    [26, 25, 2, "one over"],
    [1000, 100, 10, "even split"],
  ])("%i items / %i per page = %i pages (%s)", (total, size, pages) => {
    expect(pageCount(total, size)).toBe(pages);
  });

  it("cuts a middle page and links both neighbours", () => {
    const items = Array.from({ length: 7 }, (_, i) => i);
    const page = paginate(items, { pageNumber: 2, pageSize: 3 }, "/api/v2/flows", q("type=bot&pageSize=3"));
    expect(page).toEqual({
      entities: [3, 4, 5],
      pageSize: 3,
      pageNumber: 2,
      total: 7,
      pageCount: 3,
      firstUri: "/api/v2/flows?pageSize=3&pageNumber=1&type=bot",
      selfUri: "/api/v2/flows?pageSize=3&pageNumber=2&type=bot",
      lastUri: "/api/v2/flows?pageSize=3&pageNumber=3&type=bot",
      nextUri: "/api/v2/flows?pageSize=3&pageNumber=3&type=bot",
      previousUri: "/api/v2/flows?pageSize=3&pageNumber=1&type=bot",
    });
  });

  it("omits nextUri/previousUri at the ends and keeps lastUri on page 1 when empty", () => {
    const empty = paginate([], { pageNumber: 1, pageSize: 25 }, "/x", q(""));
    expect(empty).toMatchObject({ total: 0, pageCount: 0, lastUri: "/x?pageSize=25&pageNumber=1" });
    expect("nextUri" in empty).toBe(false);
    expect("previousUri" in empty).toBe(false);
  });

  it("points previousUri of a page past the end at the last real page", () => {
    const page = paginate([1, 2], { pageNumber: 5, pageSize: 1 }, "/x", q(""));
    expect(page.entities).toEqual([]);
    expect(page.previousUri).toBe("/x?pageSize=1&pageNumber=2");
  });

  it("reads page parameters with defaults and bounds", () => {
    expect(readPage(q(""))).toEqual({ pageNumber: 1, pageSize: 25 });
    expect(readPage(q("pageNumber=3&pageSize=500"))).toEqual({ pageNumber: 3, pageSize: 500 });
    for (const bad of ["pageSize=0", "pageSize=501", "pageNumber=0", "pageNumber=x", "pageSize=1.5"]) {
      expect(() => readPage(q(bad)), bad).toThrow(expect.objectContaining({ status: 400 }));
    }
  });

  it("reads repeated and comma-separated list parameters alike", () => {
    expect(readList(q("type=a&type=b,c&type="), "type")).toEqual(["a", "b", "c"]);
    expect(pageUri("/p", q("a=1&pageNumber=9"), 10, 2)).toBe("/p?pageSize=10&pageNumber=2&a=1");
  });

  it("reads booleans strictly", () => {
    expect(readBool(q("deleted=TRUE"), "deleted")).toBe(true);
    expect(readBool(q(""), "deleted")).toBe(false);
    expect(() => readBool(q("deleted=yes"), "deleted")).toThrow();
  });
});
