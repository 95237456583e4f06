export { ps as default } from './manage.js';
