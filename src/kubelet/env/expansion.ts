/**
 * `$(VAR)` expansion exactly as Kubernetes does it for env values, command and args
 * (third_party/forked/golang/expansion): `$$` escapes a `$`, an unknown or unterminated
 * reference is left as written, and nothing else is special.
 */

/** Looks a variable up in the contexts in order; an unknown name maps back to `$(name)`. */
export function mappingFor(...contexts: Map<string, string>[]): (name: string) => string {
  return (name) => {
    for (const vars of contexts) {
      const value = vars.get(name);
      if (value !== undefined) return value;
    }
    return `$(${name})`;
  };
}

/** Reads what follows a `$`: the text to emit, whether it named a variable, and how far it read. */
function readReference(rest: string): { text: string; isVar: boolean; advance: number } {
  if (rest[0] === '$') return { text: '$', isVar: false, advance: 1 };
  if (rest[0] === '(') {
    const close = rest.indexOf(')', 1);
    if (close >= 0) return { text: rest.slice(1, close), isVar: true, advance: close + 1 };
    return { text: '$(', isVar: false, advance: 1 };
  }
  return { text: `$${rest[0]}`, isVar: false, advance: 1 };
}

/** Expands every `$(NAME)` in `input` through `mapping`. */
export function expand(input: string, mapping: (name: string) => string): string {
  let out = '';
  let checkpoint = 0;
  for (let cursor = 0; cursor < input.length; cursor++) {
    if (input[cursor] !== '$' || cursor + 1 >= input.length) continue;
    out += input.slice(checkpoint, cursor);
    const { text, isVar, advance } = readReference(input.slice(cursor + 1));
    out += isVar ? mapping(text) : text;
    cursor += advance;
    checkpoint = cursor + 1;
  }
  return out + input.slice(checkpoint);
}

/**
 * A container's command or args with `$(VAR)` references to its final environment expanded, as
 * the kubelet does before creating the container (ExpandContainerCommandAndArgs).
 */
export function expandCommand(words: string[] | undefined, env: { key: string; value: string }[]): string[] | undefined {
  if (!words) return undefined;
  const mapping = mappingFor(new Map(env.map((e) => [e.key, e.value])));
  return words.map((word) => expand(word, mapping));
}
