// Splitting CloudAI's command strings (`extra-args`, `ingress-cmd`, worker
// `cmd`) into argv the way a POSIX shell splits words: blanks separate,
// single and double quotes group, a backslash escapes. dynamo-bench passes
// argv elements, never shell strings.

export function splitWords(text: string): string[] {
    const words: string[] = [];
    let current = "";
    let inWord = false;
    let quote: "'" | '"' | undefined;
    for (let i = 0; i < text.length; i++) {
        const c = text[i]!;
        if (quote) {
            if (c === quote) quote = undefined;
            else if (c === "\\" && quote === '"' && i + 1 < text.length && '"\\$`'.includes(text[i + 1]!)) current += text[++i];
            else current += c;
        } else if (c === "'" || c === '"') {
            quote = c;
            inWord = true;
        } else if (c === "\\" && i + 1 < text.length) {
            current += text[++i];
            inWord = true;
        } else if (/\s/.test(c)) {
            if (inWord) words.push(current);
            current = "";
            inWord = false;
        } else {
            current += c;
            inWord = true;
        }
    }
    if (quote) throw new Error(`unterminated ${quote} quote in ${JSON.stringify(text)}`);
    if (inWord) words.push(current);
    return words;
}
