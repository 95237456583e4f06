export { rmCommand as default } from './manage.js';
