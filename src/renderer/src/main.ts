import { createApp } from 'vue'
import { createPinia } from 'pinia'
import { z } from 'zod'
import App from './App.vue'
import { i18n } from './i18n'
import { watchNaiveA11y } from './lib/a11y'
import './styles.css'

// The CSP forbids eval: tell zod not to probe for it (the probe alone logs a violation).
z.config({ jitless: true })

createApp(App).use(createPinia()).use(i18n).mount('#app')
watchNaiveA11y()
