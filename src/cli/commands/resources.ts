import type { Registrar } from './index'

export const registerResources: Registrar = () => {}
