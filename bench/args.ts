/** `--name N` from the command line as a positive whole number; undefined when absent. Exits 2 on anything else. */
export function argValue(name: string): number | undefined {
  const at = process.argv.indexOf(name)
  if (at < 0) return undefined
  const value = Number(process.argv[at + 1])
  if (!Number.isInteger(value) || value <= 0) {
    console.error(`${name} needs a positive whole number.`)
    process.exit(2)
  }
  return value
}
