/** The part of Electron's app the quit sequence uses. */
export interface QuittingApp {
  on(event: 'will-quit', listener: (event: { preventDefault(): void }) => void): unknown
  quit(): void
}

/**
 * Runs `shutdown` once when the app quits, and lets the quit finish only after it settles
 * (Electron does not wait for promises): the first will-quit is held, the second passes.
 */
export function runBeforeQuit(
  app: QuittingApp,
  shutdown: () => Promise<void>,
  log: (line: string) => void = (l) => console.error(l)
): void {
  let state: 'running' | 'shutting-down' | 'done' = 'running'
  app.on('will-quit', (event) => {
    if (state === 'done') return
    event.preventDefault()
    if (state === 'shutting-down') return
    state = 'shutting-down'
    shutdown()
      .catch((error: unknown) => log(`keyward: shutting down: ${(error as Error)?.message ?? String(error)}`))
      .finally(() => {
        state = 'done'
        app.quit()
      })
  })
}
