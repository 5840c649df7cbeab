// Screens a number-rule pattern before it reaches the JavaScript regular expression engine, which
// backtracks and has no time limit: only a small, documented syntax is accepted, and a pattern whose
// worst-case matching work on a number of the longest accepted length is too large is refused.

/** A pattern was refused; `offset` is the 0-based character position of the problem in the pattern. */
export class PatternError extends Error {
  override readonly name = "PatternError";
  constructor(readonly offset: number, readonly reason: string) {
    super(`${reason} (at character ${offset + 1})`);
  }
}

export interface PatternLimits {
  /** Longest pattern accepted, in characters. */
  maxPatternLength: number;
  /** Longest number a rule is ever applied to; longer numbers pass the rules unchanged. */
  maxInputLength: number;
  /** Largest worst-case estimate of backtracking steps accepted (see `analysePattern`). */
  maxWork: number;
  /** Largest repetition count in `{n,m}`. */
  maxRepeat: number;
}

export const DEFAULT_PATTERN_LIMITS: PatternLimits = {
  maxPatternLength: 200,
  maxInputLength: 64,
  maxWork: 1_000_000,
  maxRepeat: 64,
};

export interface PatternAnalysis {
  /** Number of capturing groups, i.e. the highest `\N` the replacement may use. */
  groups: number;
  /** Upper estimate of the backtracking steps for one number of `maxInputLength` characters. */
  work: number;
}

/** The measure of a parsed piece: its capturing groups, its work factor, and whether its length varies. */
interface Piece {
  groups: number;
  work: number;
  variable: boolean;
}

/**
 * Parses the accepted syntax and estimates its work; throws `PatternError` for anything outside it.
 *
 * Accepted: literals; `.`; `^` `$`; classes `[0-9]`, `[^0]`; escapes `\d \D \w \W \s \S \b \B` and escaped
 * punctuation; groups `( )` and `(?: )`; `|`; quantifiers `* + ? {n} {n,} {n,m}` (also lazy).
 * Refused: back-references, lookaround, named groups, other escapes, a repeated group that itself repeats
 * or alternates (`(0+)+`, `(1|12)*`: the exponential cases), and patterns whose estimate exceeds the limit.
 * The estimate multiplies, along a sequence, the choices each quantifier has (its repeat range, an unbounded
 * one counting as the input length), adds up alternatives, and multiplies by the possible start positions
 * when the pattern is not anchored with `^`.
 */
export function analysePattern(
  pattern: string,
  limits: PatternLimits = DEFAULT_PATTERN_LIMITS,
): PatternAnalysis {
  if (pattern.length > limits.maxPatternLength) {
    throw new PatternError(limits.maxPatternLength, `longer than ${limits.maxPatternLength} characters`);
  }
  const parser = new PatternParser(pattern, limits);
  const piece = parser.parseAlternation();
  if (parser.position < pattern.length) {
    throw new PatternError(parser.position, "unmatched closing parenthesis");
  }
  const starts = pattern.startsWith("^") && !parser.topLevelAlternation ? 1 : limits.maxInputLength + 1;
  const work = piece.work * starts;
  if (work > limits.maxWork) {
    throw new PatternError(
      0,
      `too complex: up to ${work} matching steps, the limit is ${limits.maxWork}; anchor it with ^ or use fewer repetitions`,
    );
  }
  return { groups: piece.groups, work };
}

class PatternParser {
  position = 0;
  topLevelAlternation = false;
  #depth = 0;

  constructor(private readonly pattern: string, private readonly limits: PatternLimits) {}

  parseAlternation(): Piece {
    const branches = [this.#parseSequence()];
    while (this.pattern[this.position] === "|") {
      if (this.#depth === 0) this.topLevelAlternation = true;
      this.position++;
      branches.push(this.#parseSequence());
    }
    return {
      groups: branches.reduce((sum, branch) => sum + branch.groups, 0),
      work: branches.reduce((sum, branch) => sum + branch.work, 0),
      variable: branches.length > 1 || branches.some((branch) => branch.variable),
    };
  }

  #parseSequence(): Piece {
    const sequence: Piece = { groups: 0, work: 1, variable: false };
    while (this.position < this.pattern.length) {
      const char = this.pattern[this.position];
      if (char === "|" || char === ")") break;
      const atomStart = this.position;
      const atom = this.#parseAtom();
      const repeated = this.#parseQuantifier(atom, atomStart);
      sequence.groups += repeated.groups;
      sequence.work = Math.min(sequence.work * repeated.work, Number.MAX_SAFE_INTEGER);
      sequence.variable ||= repeated.variable;
    }
    return sequence;
  }

  #parseAtom(): Piece & { repeatable: boolean } {
    const start = this.position;
    const char = this.pattern[this.position++];
    switch (char) {
      case "^":
      case "$":
        return { groups: 0, work: 1, variable: false, repeatable: false };
      case "(":
        return { ...this.#parseGroup(start), repeatable: true };
      case "[":
        this.#parseClass(start);
        return { groups: 0, work: 1, variable: false, repeatable: true };
      case "\\":
        return { ...this.#parseEscape(start), work: 1, variable: false, groups: 0 };
      case "*":
      case "+":
      case "?":
        throw new PatternError(start, `nothing to repeat before "${char}"`);
      case "{":
        throw new PatternError(start, 'a "{" must follow something to repeat; write \\{ for a brace');
      default:
        return { groups: 0, work: 1, variable: false, repeatable: true };
    }
  }

  #parseGroup(start: number): Piece {
    let capturing = true;
    if (this.pattern[this.position] === "?") {
      if (this.pattern[this.position + 1] !== ":") {
        throw new PatternError(start, "lookaround and named groups are not supported; use ( ) or (?: )");
      }
      capturing = false;
      this.position += 2;
    }
    this.#depth++;
    const inner = this.parseAlternation();
    this.#depth--;
    if (this.pattern[this.position] !== ")") throw new PatternError(start, "unclosed parenthesis");
    this.position++;
    return { ...inner, groups: inner.groups + (capturing ? 1 : 0) };
  }

  #parseClass(start: number): void {
    if (this.pattern[this.position] === "^") this.position++;
    if (this.pattern[this.position] === "]") throw new PatternError(start, "empty character class");
    while (this.position < this.pattern.length && this.pattern[this.position] !== "]") {
      const from = this.position;
      const low = this.#parseClassMember();
      if (this.pattern[this.position] !== "-" || [undefined, "]"].includes(this.pattern[this.position + 1])) {
        continue;
      }
      this.position++;
      const high = this.#parseClassMember();
      if (low !== undefined && high !== undefined && low > high) {
        throw new PatternError(from, `range ${this.pattern.slice(from, this.position)} is out of order`);
      }
    }
    if (this.pattern[this.position] !== "]") throw new PatternError(start, "unclosed [");
    this.position++;
  }

  /** One member of a class; returns its character code, or undefined for a class escape such as `\d`. */
  #parseClassMember(): number | undefined {
    const start = this.position;
    if (this.pattern[this.position] !== "\\") return this.pattern.charCodeAt(this.position++);
    this.position++;
    this.#parseEscape(start, true);
    const escaped = this.pattern[this.position - 1];
    return /[dDwWsS]/.test(escaped) ? undefined : escaped.charCodeAt(0);
  }

  #parseEscape(start: number, inClass = false): { repeatable: boolean } {
    const char = this.pattern[this.position++];
    if (char === undefined) throw new PatternError(start, "the pattern ends with a backslash");
    if (/[1-9]/.test(char)) throw new PatternError(start, `back-reference \\${char} is not supported`);
    if (/[dDwWsS]/.test(char)) return { repeatable: true };
    if (/[bB]/.test(char) && !inClass) return { repeatable: false };
    if (/[\\^$.|?*+()[\]{}\/\-#]/.test(char)) return { repeatable: true };
    throw new PatternError(start, `escape \\${char} is not supported`);
  }

  #parseQuantifier(atom: Piece & { repeatable: boolean }, atomStart: number): Piece {
    const range = this.#readQuantifier();
    if (!range) return atom;
    if (!atom.repeatable) throw new PatternError(atomStart, "an anchor or \\b cannot be repeated");
    if (this.pattern[this.position] === "?") this.position++; // lazy: same worst case
    const max = range.max ?? this.limits.maxInputLength;
    if (atom.variable && max > 1) {
      throw new PatternError(
        atomStart,
        "a repeated group must not itself repeat or alternate (e.g. (0+)+ or (1|12)*): it can take " +
          "exponential time; use a character class such as [12] or a single repetition",
      );
    }
    const choices = atom.variable ? atom.work + 1 : Math.max(1, max - range.min + 1);
    return { groups: atom.groups, work: choices, variable: range.min !== max || atom.variable };
  }

  #readQuantifier(): { min: number; max: number | undefined } | undefined {
    const char = this.pattern[this.position];
    if (char === "*") return this.#take(1, { min: 0, max: undefined });
    if (char === "+") return this.#take(1, { min: 1, max: undefined });
    if (char === "?") return this.#take(1, { min: 0, max: 1 });
    if (char !== "{") return undefined;
    const match = /^\{(\d{1,3})(,(\d{0,3}))?\}/.exec(this.pattern.slice(this.position));
    if (!match) throw new PatternError(this.position, "malformed {n,m} repetition; write \\{ for a brace");
    const min = Number(match[1]);
    const max = match[2] === undefined ? min : match[3] === "" ? undefined : Number(match[3]);
    if ((max ?? min) > this.limits.maxRepeat || min > this.limits.maxRepeat) {
      throw new PatternError(this.position, `repetition above ${this.limits.maxRepeat}`);
    }
    if (max !== undefined && max < min) throw new PatternError(this.position, `{${min},${max}} is backwards`);
    return this.#take(match[0].length, { min, max });
  }

  #take<T>(length: number, value: T): T {
    this.position += length;
    return value;
  }
}
