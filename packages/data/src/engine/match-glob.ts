import { MlstackError } from "@mlstack/core";

/**
 * Compiles a path glob: `*` and `?` match within one segment, `**` matches any number of segments
 * (also none), `[abc]` one of the characters. The glob is matched against the whole path.
 */
export function compileGlob(glob: string): (path: string) => boolean {
  if (glob.includes("\0")) throw new MlstackError("INVALID_ARGUMENT", "a glob cannot contain a NUL byte");
  let re = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    if (c === "*") {
      if (glob[i + 1] === "*") {
        const segmentStart = i === 0 || glob[i - 1] === "/";
        const segmentEnd = i + 2 === glob.length || glob[i + 2] === "/";
        if (segmentStart && segmentEnd) {
          // "**/" matches zero or more whole segments; a trailing "**" matches the rest.
          re += glob[i + 2] === "/" ? "(?:[^/]+/)*" : ".*";
          i += glob[i + 2] === "/" ? 2 : 1;
          continue;
        }
        i++;
      }
      re += "[^/]*";
    } else if (c === "?") re += "[^/]";
    else if (c === "[") {
      const close = glob.indexOf("]", i + 1);
      if (close < 0) throw new MlstackError("INVALID_ARGUMENT", `unclosed [ in glob ${JSON.stringify(glob)}`);
      const body = glob.slice(i + 1, close).replace(/\\/g, "\\\\");
      re += `[${body.startsWith("!") ? `^${body.slice(1)}` : body}]`;
      i = close;
    } else re += c.replace(/[.+^${}()|\\]/g, "\\$&");
  }
  const regex = new RegExp(`^${re}$`);
  return (path) => regex.test(path);
}
