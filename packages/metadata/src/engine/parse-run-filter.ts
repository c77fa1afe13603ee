import { MlstackError } from "@mlstack/core";
import type { CompareOp, RunAttribute, RunField, RunFilter } from "../spec.js";

type Token =
  | { t: "word"; v: string; at: number }
  | { t: "quoted"; v: string; at: number }
  | { t: "ident"; v: string; at: number }
  | { t: "number"; v: number; at: number }
  | { t: "op"; v: string; at: number }
  | { t: "punct"; v: "(" | ")" | ","; at: number }
  | { t: "end"; at: number };

const ATTRIBUTES: Record<string, RunAttribute> = {
  run_id: "runId",
  experiment_id: "experimentId",
  parent_run_id: "parentRunId",
  run_name: "name",
  name: "name",
  status: "status",
  start_time: "startTime",
  end_time: "endTime",
};
const PREFIXES: Record<string, "metric" | "param" | "tag" | "attribute"> = {
  metric: "metric",
  metrics: "metric",
  param: "param",
  params: "param",
  parameter: "param",
  parameters: "param",
  tag: "tag",
  tags: "tag",
  attribute: "attribute",
  attributes: "attribute",
  attr: "attribute",
  run: "attribute",
};

function fail(message: string, at: number, text: string): never {
  throw new MlstackError("INVALID_ARGUMENT", `invalid filter at ${at}: ${message}`, {
    details: { filter: text, position: at },
  });
}

function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (/\s/.test(c)) {
      i++;
    } else if (c === "'" || c === '"' || c === "`") {
      // Quotes: strings in '…' or "…", identifiers in `…`; a doubled quote stands for itself.
      let v = "";
      let j = i + 1;
      for (;;) {
        if (j >= text.length) fail("unterminated quote", i, text);
        if (text[j] === c) {
          if (text[j + 1] === c) {
            v += c;
            j += 2;
            continue;
          }
          break;
        }
        v += text[j++];
      }
      out.push({ t: c === "`" ? "ident" : "quoted", v, at: i });
      i = j + 1;
    } else if ("(),".includes(c)) {
      out.push({ t: "punct", v: c as "(" | ")" | ",", at: i });
      i++;
    } else if ("=!<>".includes(c)) {
      const two = text.slice(i, i + 2);
      const v = ["!=", "<>", "<=", ">="].includes(two) ? two : c;
      if (v === "!") fail("expected != ", i, text);
      out.push({ t: "op", v: v === "<>" ? "!=" : v, at: i });
      i += v.length;
    } else if (/[-+0-9]/.test(c) && /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?/i.test(text.slice(i))) {
      const m = text.slice(i).match(/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?/i) as RegExpMatchArray;
      out.push({ t: "number", v: Number(m[0]), at: i });
      i += m[0].length;
    } else {
      const m = text.slice(i).match(/^[A-Za-z0-9_.\-/:]+/);
      if (!m) fail(`unexpected "${c}"`, i, text);
      out.push({ t: "word", v: m[0], at: i });
      i += m[0].length;
    }
  }
  out.push({ t: "end", at: text.length });
  return out;
}

/**
 * Parses MLflow's run filter syntax into a {@link RunFilter}, with `OR`, `NOT` and parentheses added:
 * `metrics.acc > 0.9 AND (params.model = 'cnn' OR tags.team ILIKE 'ml%') AND attributes.status != 'FAILED'`.
 * Fields are `metrics.<key>`, `params.<key>`, `tags.<key>` (a key with other characters goes in
 * backticks or double quotes) and the attributes `run_id`, `run_name`, `status`, `start_time`, `end_time`,
 * `experiment_id`, `parent_run_id` (bare or after `attributes.`). Operators: `= != <> < <= > >=`,
 * `[NOT] LIKE`, `[NOT] ILIKE`, `[NOT] IN ('a', 'b')`, `IS [NOT] NULL`. Keywords are case-insensitive;
 * strings are quoted with `'` or `"`. A syntax error is `INVALID_ARGUMENT` with its position; value types
 * are checked when the filter is used.
 */
export function parseRunFilter(text: string): RunFilter {
  if (typeof text !== "string") throw new MlstackError("INVALID_ARGUMENT", "a filter string is required");
  const tokens = tokenize(text);
  let pos = 0;
  const peek = () => tokens[pos] as Token;
  const next = () => tokens[pos++] as Token;
  const isWord = (t: Token, w: string) => t.t === "word" && t.v.toUpperCase() === w;
  const expectWord = (w: string) => {
    const t = next();
    if (!isWord(t, w)) fail(`expected ${w}`, t.at, text);
  };
  const expectPunct = (p: string) => {
    const t = next();
    if (t.t !== "punct" || t.v !== p) fail(`expected "${p}"`, t.at, text);
  };

  const field = (): RunField => {
    const t = next();
    if (t.t !== "word" && t.t !== "ident") fail("expected a field", t.at, text);
    let prefix: string | undefined;
    let key = t.v;
    if (t.t === "word") {
      const dot = t.v.indexOf(".");
      if (dot > 0 && PREFIXES[t.v.slice(0, dot).toLowerCase()]) {
        prefix = t.v.slice(0, dot).toLowerCase();
        key = t.v.slice(dot + 1);
        const quoted = peek();
        if (key === "" && (quoted.t === "ident" || quoted.t === "quoted")) {
          next();
          key = quoted.v;
        }
      }
    }
    const type = prefix === undefined ? "attribute" : (PREFIXES[prefix] as RunField["type"]);
    if (type !== "attribute") {
      if (key === "") fail("expected a key after the prefix", t.at, text);
      return { type, key };
    }
    const attribute = ATTRIBUTES[key.toLowerCase()];
    if (!attribute) fail(`unknown attribute "${key}"`, t.at, text);
    return { type: "attribute", key: attribute };
  };

  const literal = (): string | number => {
    const t = next();
    if (t.t === "quoted" || t.t === "number") return t.v;
    return fail("expected a quoted string or a number", t.at, text);
  };

  const comparison = (): RunFilter => {
    const f = field();
    const t = next();
    if (t.t === "op") return { kind: "compare", field: f, op: t.v as CompareOp, value: literal() };
    let negate = false;
    let word: Token = t;
    if (isWord(t, "IS")) {
      if (isWord(peek(), "NOT")) {
        next();
        negate = true;
      }
      expectWord("NULL");
      const isNull: RunFilter = { kind: "isNull", field: f };
      return negate ? { kind: "not", filter: isNull } : isNull;
    }
    if (isWord(t, "NOT")) {
      negate = true;
      word = next();
    }
    let inner: RunFilter;
    if (isWord(word, "LIKE") || isWord(word, "ILIKE")) {
      const p = next();
      if (p.t !== "quoted") fail("expected a quoted pattern", p.at, text);
      inner = { kind: "like", field: f, pattern: p.v, ...(isWord(word, "ILIKE") ? { caseInsensitive: true } : {}) };
    } else if (isWord(word, "IN")) {
      expectPunct("(");
      const values: string[] = [];
      do {
        const v = next();
        if (v.t !== "quoted") fail("IN takes quoted strings", v.at, text);
        values.push(v.v);
      } while (peek().t === "punct" && (peek() as { v: string }).v === "," && next());
      expectPunct(")");
      inner = { kind: "in", field: f, values };
    } else {
      return fail("expected a comparison operator, LIKE, ILIKE, IN or IS", word.at, text);
    }
    return negate ? { kind: "not", filter: inner } : inner;
  };

  const primary = (): RunFilter => {
    if (isWord(peek(), "NOT")) {
      next();
      return { kind: "not", filter: primary() };
    }
    if (peek().t === "punct" && (peek() as { v: string }).v === "(") {
      next();
      const inner = or();
      expectPunct(")");
      return inner;
    }
    return comparison();
  };
  const and = (): RunFilter => {
    const parts = [primary()];
    while (isWord(peek(), "AND")) {
      next();
      parts.push(primary());
    }
    return parts.length === 1 ? (parts[0] as RunFilter) : { kind: "and", filters: parts };
  };
  const or = (): RunFilter => {
    const parts = [and()];
    while (isWord(peek(), "OR")) {
      next();
      parts.push(and());
    }
    return parts.length === 1 ? (parts[0] as RunFilter) : { kind: "or", filters: parts };
  };

  const result = or();
  const rest = peek();
  if (rest.t !== "end") fail("unexpected text after the filter", rest.at, text);
  return result;
}
