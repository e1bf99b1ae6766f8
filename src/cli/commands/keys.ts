import type { Registrar } from './index'

export const registerKeys: Registrar = () => {}
