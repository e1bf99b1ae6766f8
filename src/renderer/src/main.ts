import { createApp } from 'vue'
import { createPinia } from 'pinia'
import { z } from 'zod'
import App from './App.vue'
import { watchNaiveA11y } from './lib/a11y'
import './styles.css'

// The CSP forbids eval: tell zod not to probe for it (the probe alone logs a violation).
z.config({ jitless: true })

createApp(App).use(createPinia()).mount('#app')
watchNaiveA11y()
