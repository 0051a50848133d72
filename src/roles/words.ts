/**
 * The commands a shell command line would run, as words. ork checks a job's `--cmd` against its role before
 * queueing it and before running it, so it must see every program the line starts: each simple command of a
 * pipeline or list, in subshells, blocks, `$(...)`, backticks, process substitution, `if`/`while`/`for`/`case`
 * bodies and functions, and in the script of `bash -c '...'` one level deep.
 *
 * The parser is mvdan/sh's, compiled to JavaScript (`mvdan-sh`). It is large (it costs tens of milliseconds to
 * load), so it is imported only when a line needs it: plain lines of words joined by `&&`, `||`, `|` and `;`
 * are split by {@link plainCommandWords}, which a test proves equal to the parser on such lines.
 *
 * @module
 */

import { InputError } from "../errors/mod.ts";

/**
 * Starts a word whose value cannot be known before the line runs (`$X`, `$(...)`, a glob such as `py*`); the
 * rest of the string is the word's source text. A shell word never contains NUL, so no literal word starts so.
 */
export const DYNAMIC_MARK = "\u0000";

/** True when `word` is a {@link DYNAMIC_MARK} marker rather than a literal word. */
export function isDynamicWord(word: string): boolean {
  return word.startsWith(DYNAMIC_MARK);
}

/** The text to show for a word: a literal word as it is, a dynamic one as its source text. */
export function wordText(word: string): string {
  return isDynamicWord(word) ? word.slice(DYNAMIC_MARK.length) : word;
}

/** The base name of a command word: `./scripts/x.sh` is `x.sh`, `/usr/bin/python3` is `python3`. */
export function baseName(word: string): string {
  const trimmed = word.replace(/\/+$/, "");
  return trimmed.slice(trimmed.lastIndexOf("/") + 1);
}

/** A command line that does not parse as shell; its message is the parser's (`1:6: reached EOF ...`). */
export class CommandParseError extends InputError {
  /** The parser's message, with the line and column. */
  readonly parserMessage: string;

  /** @param parserMessage the parser's message */
  constructor(parserMessage: string) {
    super(
      `cannot parse the command: ${parserMessage}`,
      "fix the shell syntax of --cmd (ork parses it as bash to find the programs it runs)",
    );
    this.name = "CommandParseError";
    this.parserMessage = parserMessage;
  }
}

/** Shells whose `-c` script is parsed too. */
const SHELLS: ReadonlySet<string> = new Set(["sh", "bash", "dash", "zsh", "ksh", "mksh", "ash"]);

/** How deep `bash -c` scripts are followed: the line itself is depth 0, the script of its `bash -c` depth 1. */
const MAX_DEPTH = 1;

/**
 * Every simple command `command` would run, in the order they appear, each as its words. A word that is not a
 * plain literal is a {@link DYNAMIC_MARK} marker. Variable assignments before a command are not words of it,
 * and an assignment alone is no command. Shell syntax (`if`, `[[ ]]`, `(( ))`, function definitions) is not a
 * command, the commands inside it are; `time` is reported as a command of its own. `export`, `declare` and
 * `local` are reported as commands with the names they set.
 *
 * @param command a shell command line
 * @returns one word list per simple command
 * @throws {CommandParseError} when the line (or a literal `bash -c` script in it) does not parse
 */
export async function commandWords(command: string): Promise<string[][]> {
  return plainCommandWords(command) ?? await parsedCommandWords(command);
}

// ---------------------------------------------------------------------------------------------------------
// The fast path.

/** Characters of a plain line: no quotes, `$`, backticks, parentheses, braces, redirections, globs, `\`, `#`. */
const PLAIN_LINE = /^[A-Za-z0-9_\-./=:,+@%^ ;|&]*$/;

/**
 * Words the parser would not read as a command name: reserved words and the ones it parses as clauses of
 * their own (`export`, `let`, `time`). A plain line with one of these in command position takes the parser.
 */
const NOT_PLAIN_NAMES: ReadonlySet<string> = new Set([
  "case",
  "coproc",
  "do",
  "done",
  "elif",
  "else",
  "esac",
  "fi",
  "for",
  "function",
  "if",
  "in",
  "select",
  "then",
  "time",
  "until",
  "while",
  "declare",
  "export",
  "local",
  "nameref",
  "readonly",
  "typeset",
  "let",
]);

/**
 * The commands of a plain line without the parser: words separated by spaces, joined by `&&`, `||`, `|` and
 * `;`. Returns undefined for anything else (quotes, `$`, a lone `&`, an empty command, an assignment, a reserved
 * word in command position, ...), which then needs {@link parsedCommandWords}.
 *
 * @param command a shell command line
 * @param depth how many `bash -c` scripts deep this line is (0 for the job's own line)
 */
export function plainCommandWords(command: string, depth = 0): string[][] | undefined {
  if (!PLAIN_LINE.test(command)) return undefined;
  const commands: string[][] = [];
  let words: string[] = [];
  let word = "";
  let lastOperator = "";
  const endWord = () => {
    if (word !== "") words.push(word);
    word = "";
  };
  // Ends the current simple command at an operator; false when the command is empty (a syntax error).
  const endCommand = (operator: string): boolean => {
    endWord();
    if (words.length === 0) return false;
    commands.push(words);
    words = [];
    lastOperator = operator;
    return true;
  };
  for (let i = 0; i < command.length; i++) {
    const ch = command[i]!;
    if (ch === " ") endWord();
    else if (ch === ";") {
      if (!endCommand(";")) return undefined;
    } else if (ch === "|" || ch === "&") {
      const double = command[i + 1] === ch;
      // A lone `&` sends a command to the background: the parser's business.
      if (ch === "&" && !double) return undefined;
      if (!endCommand(double ? ch + ch : ch)) return undefined;
      if (double) i++;
    } else word += ch;
  }
  endWord();
  if (words.length > 0) commands.push(words);
  // A line may end with `;`, never with `&&`, `||` or `|`.
  else if (lastOperator !== "" && lastOperator !== ";") return undefined;

  const result: string[][] = [];
  for (const words of commands) {
    const name = words[0]!;
    if (name.includes("=") || NOT_PLAIN_NAMES.has(name)) return undefined;
    result.push(words);
    const script = shellScript(words);
    if (script !== undefined && depth < MAX_DEPTH) {
      const inner = plainCommandWords(script, depth + 1);
      if (inner === undefined) return undefined;
      result.push(...inner);
    }
  }
  return result;
}

/**
 * The script of a shell started with `-c` (`bash -c 'pytest -x'`, `sh -ec "..."`), if `words` start one.
 * Returns a {@link DYNAMIC_MARK} marker when the script, or an option before it, is not a literal (so what the
 * shell runs cannot be told), and undefined when `words` are not a shell with `-c`.
 */
export function shellScript(words: readonly string[]): string | undefined {
  const name = words[0];
  if (name === undefined || isDynamicWord(name) || !SHELLS.has(baseName(name))) return undefined;
  let dashC = false;
  for (let i = 1; i < words.length; i++) {
    const word = words[i]!;
    // `bash $FLAGS 'x'` might be `bash -c 'x'`: refuse to guess.
    if (isDynamicWord(word)) return word;
    if (word === "--") return dashC ? words[i + 1] : undefined;
    if (/^--(?:rcfile|init-file)$/.test(word)) i++;
    else if (word.startsWith("--")) continue;
    else if (/^[-+][A-Za-z]+$/.test(word)) {
      if (word.startsWith("-") && word.includes("c")) dashC = true;
      // Each `o` or `O` in a cluster (`-euo pipefail`) takes the next word as its value.
      i += (word.match(/[oO]/g) ?? []).length;
    } else return dashC ? word : undefined;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------
// The parser. Only the parts of mvdan-sh's GopherJS API that are used here are typed.

/** A position in the source; the offset counts UTF-8 bytes. */
interface ShPos {
  Offset(): number;
}

/** Any node of the syntax tree. */
interface ShNode {
  Pos(): ShPos;
  End(): ShPos;
}

/** A literal piece of a word, as written (escapes included). */
interface ShLit extends ShNode {
  Value: string;
}

/** `'...'`, or `$'...'` when `Dollar`. */
interface ShSglQuoted extends ShNode {
  Value: string;
  Dollar: boolean;
}

/** `"..."`. */
interface ShDblQuoted extends ShNode {
  Parts: ShNode[];
}

/** A shell word: its parts are literals, quotes, expansions. */
interface ShWord extends ShNode {
  Parts: ShNode[];
}

/** A simple command: assignments, then words (none when the command is only assignments). */
interface ShCallExpr extends ShNode {
  Args: ShWord[];
}

/** One name set by `export`, `declare`, `local`, ...; `Name` is missing for an option such as `-a`. */
interface ShAssign extends ShNode {
  Name: ShLit | null;
  Naked: boolean;
  Value: ShWord | null;
}

/** `export`, `declare`, `local`, `readonly`, `typeset` or `nameref` with what it sets. */
interface ShDeclClause extends ShNode {
  Variant: ShLit;
  Args: ShAssign[];
}

/** A parsed script. */
interface ShFile extends ShNode {
  Stmts: ShNode[];
}

/** mvdan-sh's parser. */
interface ShParser {
  Parse(source: string, name: string): ShFile;
}

/** The `syntax` namespace of mvdan-sh. */
interface ShSyntax {
  NewParser(): ShParser;
  NodeType(node: ShNode): string;
  Walk(node: ShNode, visit: (node: ShNode | null) => boolean): void;
}

/** What mvdan-sh throws for a syntax error (a Go error value). */
interface ShParseError {
  Error(): string;
}

let syntaxModule: ShSyntax | undefined;

/** Loads mvdan-sh on first use; it is big, and only lines that are not plain need it. */
async function loadSyntax(): Promise<ShSyntax> {
  if (syntaxModule === undefined) {
    const loaded: unknown = await import("mvdan-sh");
    syntaxModule = (loaded as { default: { syntax: ShSyntax } }).default.syntax;
  }
  return syntaxModule;
}

/**
 * {@link commandWords} by the real parser, whatever the line. Exported so that tests can compare it with
 * {@link plainCommandWords}.
 *
 * @throws {CommandParseError} when the line, or a literal `bash -c` script in it, does not parse
 */
export async function parsedCommandWords(command: string): Promise<string[][]> {
  return walkCommands(await loadSyntax(), command, 0);
}

function parse(syntax: ShSyntax, source: string): ShFile {
  try {
    return syntax.NewParser().Parse(source, "");
  } catch (error) {
    const goError = error as Partial<ShParseError> | null;
    if (goError !== null && typeof goError === "object" && typeof goError.Error === "function") {
      throw new CommandParseError(goError.Error());
    }
    throw error;
  }
}

function walkCommands(syntax: ShSyntax, source: string, depth: number): string[][] {
  const file = parse(syntax, source);
  const words = new WordReader(source);
  const commands: string[][] = [];
  syntax.Walk(file, (node) => {
    if (node === null || node === undefined) return true;
    switch (syntax.NodeType(node)) {
      case "CallExpr": {
        const args = (node as ShCallExpr).Args;
        if (args.length === 0) break; // only assignments
        const command = args.map((word) => words.value(syntax, word));
        commands.push(command);
        const script = shellScript(command);
        if (script === undefined || depth >= MAX_DEPTH) break;
        if (isDynamicWord(script)) commands.push([script]);
        else {
          try {
            commands.push(...walkCommands(syntax, script, depth + 1));
          } catch (error) {
            if (!(error instanceof CommandParseError)) throw error;
            throw new CommandParseError(`in the ${baseName(command[0]!)} -c script: ${error.parserMessage}`);
          }
        }
        break;
      }
      case "DeclClause": {
        const decl = node as ShDeclClause;
        const names = decl.Args.map((assign) =>
          assign.Name ? assign.Name.Value : assign.Value ? words.value(syntax, assign.Value) : ""
        );
        commands.push([decl.Variant.Value, ...names.filter((name) => name !== "")]);
        break;
      }
      case "TimeClause":
        commands.push(["time"]);
        break;
      case "LetClause":
        commands.push(["let"]);
        break;
    }
    return true;
  });
  return commands;
}

/** Unquoted characters that make a word expand to something else: globs, braces, a leading `~name`. */
const EXPANDING = /[*?[\]{}]/;

/** Reads words of one source text as literal values or {@link DYNAMIC_MARK} markers. */
class WordReader {
  #bytes: Uint8Array | undefined;

  constructor(readonly source: string) {}

  /** The literal value of `word`, or a marker with its source text. */
  value(syntax: ShSyntax, word: ShWord): string {
    let value = "";
    for (const [i, part] of word.Parts.entries()) {
      const piece = literalPart(syntax, part, i === 0);
      if (piece === undefined) return DYNAMIC_MARK + this.text(word);
      value += piece;
    }
    return value;
  }

  /** The source text of a node; the parser's offsets count UTF-8 bytes. */
  text(node: ShNode): string {
    this.#bytes ??= new TextEncoder().encode(this.source);
    return new TextDecoder().decode(this.#bytes.subarray(node.Pos().Offset(), node.End().Offset()));
  }
}

/** The literal value of one part of a word, or undefined when the shell would expand it. */
function literalPart(syntax: ShSyntax, part: ShNode, first: boolean): string | undefined {
  switch (syntax.NodeType(part)) {
    case "Lit": {
      const raw = (part as ShLit).Value;
      // `[` alone is the test builtin, not a glob.
      if (EXPANDING.test(raw) && raw !== "[") return undefined;
      // `~` or `~user` becomes a home directory; `~/bin/x` keeps its base name, which is all that is checked.
      if (first && raw.startsWith("~") && !raw.includes("/")) return undefined;
      return raw.replace(/\\\n/g, "").replace(/\\(.)/gs, "$1");
    }
    case "SglQuoted": {
      const quoted = part as ShSglQuoted;
      // `$'...'` turns escapes into characters; without a backslash it is the plain text.
      if (quoted.Dollar && quoted.Value.includes("\\")) return undefined;
      return quoted.Value;
    }
    case "DblQuoted": {
      let value = "";
      for (const inner of (part as ShDblQuoted).Parts) {
        if (syntax.NodeType(inner) !== "Lit") return undefined;
        value += (inner as ShLit).Value.replace(/\\\n/g, "").replace(/\\([$`"\\])/g, "$1");
      }
      return value;
    }
    default:
      return undefined;
  }
}
