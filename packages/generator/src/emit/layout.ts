/**
 * Line breaking of generated code, decided the way Biome decides it (2-space indent, 110 columns,
 * trailing commas), so the templates write formatted code and need no formatter run.
 *
 * A `Code` is an expression the templates emit, which knows its one-line form and how Biome breaks
 * it when that does not fit. Only the constructs the templates use are covered: objects, arrays,
 * calls, arrow functions, `as` casts, spreads, `&&` chains, comments. A piece with no broken form
 * here (a plain `text()`) always stays on one line; when it does not fit, its line is over
 * LINE_WIDTH columns, and files with such lines still go through Biome.
 */

/** Biome's line width for generated code (format.ts's biomeStyle). */
export const LINE_WIDTH = 110

export interface Code {
  /** The code on one line. */
  readonly flat: string
  /** Biome breaks it whatever the width: it holds an object written expanded, or a comment. */
  readonly forced: boolean
  /**
   * The code printed from `column` of a line indented `indent` spaces, when `trail` characters
   * (`,`, `)` and the like) follow it on its last line.
   */
  at(indent: number, column: number, trail: number): string
  /** The syntax kind a call compares to decide whether it hugs its last argument. */
  readonly kind?: 'object' | 'array' | 'as' | 'function'
  /** Set when a call may hug it as its last argument (`f(a, {` … `})`): its text up to the line break. */
  readonly hugOpener?: string
  /** Its broken form, starting with `hugOpener`, when hugged. */
  broken?(indent: number): string
  /**
   * A property holding it breaks after its colon first when the whole does not fit: `always` for
   * binary expressions, `unlessShortKey` for calls that break poorly (`keys.detail(id)`).
   */
  readonly breakAfterColon?: 'always' | 'unlessShortKey'
  /** Its text up to where it can first break; a property holding it breaks after its colon when that does not fit. */
  readonly opening?: string
  /** A comment line in an expanded object: no trailing comma. */
  readonly comment?: boolean
}

export type Piece = Code | string

export function fits(column: number, text: string, trail = 0): boolean {
  return column + text.length + trail <= LINE_WIDTH
}

export function pad(indent: number): string {
  return ' '.repeat(indent)
}

// Each kind of code is a class, not an object of closures: the templates build thousands of them.

/** Code that never breaks: an identifier, a string, a short expression. */
class Text implements Code {
  readonly forced = false
  constructor(
    readonly flat: string,
    readonly kind?: 'object' | 'array',
  ) {}
  at(): string {
    return this.flat
  }
}

export function text(flat: string): Code {
  return new Text(flat)
}

function code(piece: Piece): Code {
  return typeof piece === 'string' ? new Text(piece) : piece
}

/** `line(2, 'return ', query)`: one line (or more when it breaks) of code, with its indentation and newline. */
export function line(indent: number, prefix: string, piece: Piece, suffix = ''): string {
  const printed = code(piece).at(indent, indent + prefix.length, suffix.length)
  return `${pad(indent)}${prefix}${printed}${suffix}\n`
}

/** Members of an expanded object, arguments of a broken call: one per line, with trailing commas. */
function block(codes: Code[], indent: number): string {
  let lines = ''
  for (const c of codes)
    lines += c.comment ? `${pad(indent)}${c.flat}\n` : `${pad(indent)}${c.at(indent, indent, 1)},\n`
  return lines
}

/** Elements as many to a line as fit, each with its comma. */
function filled(codes: Code[], indent: number): string {
  const lines: string[] = []
  for (const c of codes) {
    const last = lines.at(-1)
    if (last !== undefined && fits(last.length, ` ${c.flat},`)) lines[lines.length - 1] = `${last} ${c.flat},`
    else lines.push(`${pad(indent)}${c.flat},`)
  }
  return lines.map((l) => `${l}\n`).join('')
}

/** A comment line among an expanded object's members. */
class Comment implements Code {
  readonly forced = true
  readonly comment = true
  constructor(readonly flat: string) {}
  at(): string {
    return this.flat
  }
}

export function comment(flat: string): Code {
  return new Comment(flat)
}

/**
 * `{ a, b: c }`: on one line when it fits, else one member per line. `expanded` writes it as
 * source with a newline after `{`, which Biome keeps expanded whatever the width.
 */
class ObjectCode implements Code {
  readonly flat: string
  readonly forced: boolean
  readonly kind = 'object'
  readonly hugOpener = '{'
  constructor(
    private readonly members: Code[],
    expanded: boolean,
  ) {
    this.flat = `{ ${members.map((c) => c.flat).join(', ')} }`
    this.forced = expanded || members.some((c) => c.forced)
  }
  at(indent: number, column: number, trail: number): string {
    return !this.forced && fits(column, this.flat, trail) ? this.flat : this.broken(indent)
  }
  broken(indent: number): string {
    return `{\n${block(this.members, indent + 2)}${pad(indent)}}`
  }
}

export function object(members: Piece[], options: { expanded?: boolean } = {}): Code {
  if (members.length === 0) return new Text('{}', 'object')
  return new ObjectCode(members.map(code), options.expanded === true)
}

/**
 * `key: value`. Biome keeps the value after the colon, except that it moves to the next line when
 * the value says so (`breakAfterColon`; strings too) and the whole does not fit, or when not even
 * the value's `opening` fits. Only a binary expression moves after a key shorter than 5 characters.
 */
class Property implements Code {
  readonly flat: string
  readonly forced: boolean
  private readonly breaks: boolean
  constructor(
    private readonly key: string,
    private readonly value: Code,
  ) {
    this.flat = `${key}: ${value.flat}`
    this.forced = value.forced
    const shortKey = key.length < 5
    const string = value.kind === undefined && /^(['"]).*\1$/.test(value.flat)
    this.breaks =
      value.breakAfterColon === 'always' ||
      (!shortKey && (string || value.breakAfterColon === 'unlessShortKey'))
  }
  at(indent: number, column: number, trail: number): string {
    const { key, value } = this
    const afterColon = this.breaks
      ? !fits(column, this.flat, trail)
      : key.length >= 5 && value.opening !== undefined && !fits(column, `${key}: ${value.opening}`)
    if (afterColon) return `${key}:\n${pad(indent + 2)}${value.at(indent + 2, indent + 2, trail)}`
    return `${key}: ${value.at(indent, column + key.length + 2, trail)}`
  }
}

export function property(key: string, value: Piece): Code {
  return new Property(key, code(value))
}

class Spread implements Code {
  readonly flat: string
  readonly forced: boolean
  constructor(private readonly value: Code) {
    this.flat = `...${value.flat}`
    this.forced = value.forced
  }
  at(indent: number, column: number, trail: number): string {
    return `...${this.value.at(indent, column + 3, trail)}`
  }
}

export function spread(value: Piece): Code {
  return new Spread(code(value))
}

/**
 * `[a, b]`: on one line when it fits, else one element per line. `matrix` is Biome's rule that
 * always breaks an array of several objects (or arrays) of several entries each; several `numbers`
 * are filled as many to a line as fit instead (and never hugged).
 */
class ArrayCode implements Code {
  readonly flat: string
  readonly forced: boolean
  readonly kind = 'array'
  readonly hugOpener: string | undefined
  constructor(
    private readonly elements: Code[],
    private readonly numbers: boolean,
    matrix: boolean,
  ) {
    this.flat = `[${elements.map((c) => c.flat).join(', ')}]`
    this.forced = matrix || elements.some((c) => c.forced)
    this.hugOpener = numbers ? undefined : '['
  }
  at(indent: number, column: number, trail: number): string {
    return !this.forced && fits(column, this.flat, trail) ? this.flat : this.broken(indent)
  }
  broken(indent: number): string {
    const lines = this.numbers ? filled(this.elements, indent + 2) : block(this.elements, indent + 2)
    return `[\n${lines}${pad(indent)}]`
  }
}

export function array(elements: Piece[], options: { matrix?: boolean; numbers?: boolean } = {}): Code {
  if (elements.length === 0) return new Text('[]', 'array')
  return new ArrayCode(elements.map(code), options.numbers === true, options.matrix === true)
}

/** `value as Type`; hugged as a last argument like the object it casts. */
class Cast implements Code {
  readonly flat: string
  readonly forced: boolean
  readonly kind = 'as'
  readonly hugOpener: string | undefined
  private readonly suffix: string
  constructor(
    private readonly value: Code,
    type: string,
  ) {
    this.suffix = ` as ${type}`
    this.flat = `${value.flat}${this.suffix}`
    this.forced = value.forced
    this.hugOpener = value.hugOpener
  }
  at(indent: number, column: number, trail: number): string {
    if (!this.forced && fits(column, this.flat, trail)) return this.flat
    return `${this.value.at(indent, column, trail + this.suffix.length)}${this.suffix}`
  }
  broken(indent: number): string {
    return `${this.value.broken?.(indent) ?? this.value.flat}${this.suffix}`
  }
}

export function cast(value: Piece, type: string): Code {
  return new Cast(code(value), type)
}

/** `a && b && c`: after a property's colon when that fits, else one operand per line. */
class Logical implements Code {
  readonly flat: string
  readonly forced = false
  readonly breakAfterColon = 'always'
  constructor(
    private readonly operator: string,
    private readonly operands: string[],
  ) {
    this.flat = operands.join(` ${operator} `)
  }
  at(indent: number, column: number, trail: number): string {
    return fits(column, this.flat, trail)
      ? this.flat
      : this.operands.join(` ${this.operator}\n${pad(indent)}`)
  }
}

export function logical(operator: string, operands: string[]): Code {
  return new Logical(operator, operands)
}

/**
 * `callee<T>(a, b, { c })`: on one line when it fits; else the last argument hugged (`(a, b, {`
 * … `})`) when it is an object, array, cast of one or an arrow function with an object or block
 * body, and the line up to its opening bracket fits; else one argument per line. Type arguments break first when even `callee<T>(` does not fit.
 */
class Call implements Code {
  readonly flat: string
  readonly forced: boolean
  readonly breakAfterColon: 'unlessShortKey' | undefined
  private readonly types: string
  private readonly argsFlat: string
  /** The last argument, when Biome may hug it. */
  private readonly hugged: Code | undefined
  constructor(
    private readonly callee: string,
    private readonly args: Code[],
    private readonly typeArgs: string[],
  ) {
    this.types = typeArgs.length > 0 ? `<${typeArgs.join(', ')}>` : ''
    this.argsFlat = `(${args.map((c) => c.flat).join(', ')})`
    this.flat = `${callee}${this.types}${this.argsFlat}`
    this.forced = args.some((c) => c.forced)
    const last = args.at(-1)
    const others = args.slice(0, -1)
    this.hugged =
      last?.hugOpener !== undefined && !others.some((c) => c.forced) && args.at(-2)?.kind !== last.kind
        ? last
        : undefined
    // Biome's "poorly breakable" calls: a property breaks after its colon rather than break them.
    const shortArgs = args.length === 0 || (args.length === 1 && isShortArgument(args[0]?.flat ?? ''))
    const poorlyBreakable =
      /^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*$/.test(callee) &&
      shortArgs &&
      !typeArgs.some((t, i) => i > 0 || t.includes('|'))
    this.breakAfterColon = poorlyBreakable ? 'unlessShortKey' : undefined
  }
  at(indent: number, column: number, trail: number): string {
    if (!this.forced && fits(column, this.flat, trail)) return this.flat
    const { callee, args, typeArgs } = this
    let head = `${callee}${this.types}`
    let argsColumn = column + head.length
    // One type argument stays unbroken unless it is an array type (`apiRequest<Order[]>`).
    const breakable = typeArgs.length > 1 || typeArgs[0]?.endsWith('[]')
    if (breakable && !fits(column, `${head}(`)) {
      head = `${callee}<\n${typeArgs.map((t) => `${pad(indent + 2)}${t}`).join(',\n')}\n${pad(indent)}>`
      argsColumn = indent + 1
      if (!this.forced && fits(argsColumn, this.argsFlat, trail)) return `${head}${this.argsFlat}`
    }
    if (args.length === 0) return `${head}()`
    const hug = this.hugged
    if (hug?.broken) {
      const before = `(${args
        .slice(0, -1)
        .map((c) => `${c.flat}, `)
        .join('')}`
      if (fits(argsColumn, `${before}${hug.hugOpener}`)) return `${head}${before}${hug.broken(indent)})`
    }
    return `${head}(\n${block(args, indent + 2)}${pad(indent)})`
  }
}

export function call(callee: string, args: Piece[], typeArgs: string[] = []): Code {
  return new Call(callee, args.map(code), typeArgs)
}

/** An identifier, number or string of at most a quarter of the line width. */
function isShortArgument(flat: string): boolean {
  return /^([A-Za-z_$][\w$]*|-?[\d.]+|'[^']*')$/.test(flat) && flat.length <= LINE_WIDTH / 4
}

/**
 * `(a, b) => body` with an expression body: on one line when it fits, else the body on the next
 * line, one level deeper (always so when the body is forced to break). Parameters that do not fit
 * before `=>` go one per line, or the members of a destructured one (`({ signal })`) do. An object
 * body is parenthesized and stays on the arrow's line (`(id) => ({` … `})`), and a call may hug
 * such an arrow as its last argument.
 */
class Arrow implements Code {
  readonly flat: string
  readonly forced: boolean
  readonly opening: string
  readonly kind: 'function' | undefined
  readonly hugOpener: string | undefined
  private readonly head: string
  /** Members of a sole destructured parameter. */
  private readonly destructured: string[] | undefined
  constructor(
    private readonly params: string[],
    private readonly body: Code,
  ) {
    this.head = `(${params.join(', ')}) =>`
    const returnsObject = body.kind === 'object'
    this.flat = returnsObject ? `${this.head} (${body.flat})` : `${this.head} ${body.flat}`
    this.forced = body.forced
    this.kind = returnsObject ? 'function' : undefined
    this.hugOpener = returnsObject && body.broken ? `${this.head} ({` : undefined
    this.destructured =
      params.length === 1 ? /^\{ (.*) \}$/.exec(params[0] ?? '')?.[1]?.split(', ') : undefined
    this.opening = params.length === 0 ? this.head : this.destructured ? '({' : '('
  }
  at(indent: number, column: number, trail: number): string {
    const { body, head } = this
    if (!body.forced && fits(column, this.flat, trail)) return this.flat
    if (this.hugOpener) return this.broken(indent)
    const next = `\n${pad(indent + 2)}${body.at(indent + 2, indent + 2, trail)}`
    if (fits(column, head) || this.params.length === 0) return `${head}${next}`
    const [open, close, members] = this.destructured
      ? ['({', '})', this.destructured]
      : ['(', ')', this.params]
    const brokenHead = `${open}\n${members.map((p) => `${pad(indent + 2)}${p},\n`).join('')}${pad(indent)}${close} =>`
    if (!body.forced && fits(indent + close.length + 3, ` ${body.flat}`, trail))
      return `${brokenHead} ${body.flat}`
    return `${brokenHead}${next}`
  }
  /** `(id) => ({`, the object's members one per line, `})`: an object body broken in place. */
  broken(indent: number): string {
    return `${this.head} (${this.body.broken?.(indent) ?? this.body.flat})`
  }
}

export function arrow(params: string[], body: Piece): Code {
  return new Arrow(params, code(body))
}

/** `export function f(a, b) {`: the parameters one per line when the line does not fit. */
export function functionHead(prefix: string, params: string[]): string {
  const flat = `${prefix}(${params.join(', ')}) {`
  if (fits(0, flat) || params.length === 0) return flat
  return `${prefix}(\n${params.map((p) => `  ${p},\n`).join('')}) {`
}

/** `(a) => {` … `}`: a block body never moves to the next line; `body(indent)` writes its statements. */
class BlockArrow implements Code {
  readonly forced = true
  readonly flat: string
  readonly kind = 'function'
  /** A call hugs it as its last argument: `f(a, (x) => {` … `})`. */
  readonly hugOpener: string
  constructor(
    params: string[],
    private readonly body: (indent: number) => string,
  ) {
    this.hugOpener = `(${params.join(', ')}) => {`
    this.flat = `${this.hugOpener} … }`
  }
  at(indent: number): string {
    return this.broken(indent)
  }
  broken(indent: number): string {
    return `${this.hugOpener}\n${this.body(indent + 2)}${pad(indent)}}`
  }
}

export function blockArrow(params: string[], body: (indent: number) => string): Code {
  return new BlockArrow(params, body)
}

/** `name: A | B` in an interface: the union one member per line when the line does not fit. */
export function typeMember(indent: number, name: string, type: string): string {
  const members = type.split(' | ')
  const flat = `${pad(indent)}${name}: ${type}\n`
  if (fits(0, flat.trimEnd()) || members.length === 1) return flat
  return `${pad(indent)}${name}:\n${members.map((m) => `${pad(indent + 2)}| ${m}\n`).join('')}`
}

const commentLine = /^\s*(\/\*\*?|\*|\/\/)/

/** Characters whose width in columns is not one per UTF-16 unit (Biome counts East Asian wide ones as two). */
const notOneColumn = /[^\x20-\x7e]/

/**
 * Whether a generated file still needs Biome: it has a code line over LINE_WIDTH, which a template
 * left unbroken because it does not know Biome's layout there, or a code line with characters
 * `fits` cannot measure (a non-ASCII default value, say). Comment lines do not count: Biome never
 * rewraps them, so a long summary in a doc comment leaves the file as Biome would print it.
 */
export function needsFormatter(source: string): boolean {
  return source
    .split('\n')
    .some((line) => (line.length > LINE_WIDTH || notOneColumn.test(line)) && !commentLine.test(line))
}
