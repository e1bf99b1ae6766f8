import type { Registrar } from './index'

export const registerSeedDemo: Registrar = () => {}
