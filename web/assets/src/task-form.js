// The task page: renders the task's Camunda Form with form-js, prefilled from the task's variables, and completes
// the task. The server validates the submission against the same .form file; its field errors (in Russian) are
// shown next to the fields, and nothing the user typed is lost on an error or a conflict.
import { Form } from '@bpmn-io/form-js-viewer';
import '@bpmn-io/form-js-viewer/dist/assets/form-js.css';

// form-js's own client-side messages are English; the platform speaks Russian.
const RUSSIAN = [
  [/^Field is required\.$/, () => 'Обязательное поле'],
  [/^Field must have minimum value of (.+)\.$/, (m) => `Значение должно быть не меньше ${m[1]}`],
  [/^Field must have maximum value of (.+)\.$/, (m) => `Значение должно быть не больше ${m[1]}`],
  [/^Field must have minimum length of (.+)\.$/, (m) => `Не короче ${m[1]} символов`],
  [/^Field must have maximum length of (.+)\.$/, (m) => `Не длиннее ${m[1]} символов`],
  [/^Field must match pattern (.+)\.$/, () => 'Значение не соответствует образцу'],
  [/^Field must be a valid email\.$/, () => 'Введите адрес электронной почты'],
  [/^Field must be a valid\s+international phone number.*$/, () => 'Введите номер телефона, например +7 383 123-45-67'],
  [/^Value is not a number\.$/, () => 'Введите число'],
  [/^Value is expected to be an integer\.$/, () => 'Введите целое число'],
];

function russian(message) {
  for (const [pattern, replace] of RUSSIAN) {
    const match = pattern.exec(message);
    if (match) return replace(match);
  }
  return message;
}

function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.content : '';
}

async function mount(container) {
  const messages = JSON.parse(container.dataset.messages || '{}');
  const banner = document.getElementById('form-banner');
  const button = document.getElementById('complete');
  const show = (text, kind = 'error') => {
    banner.textContent = text;
    banner.className = `form-banner ${kind}`;
    banner.hidden = !text;
  };

  const response = await fetch(container.dataset.formUrl, { headers: { Accept: 'application/json' } });
  if (!response.ok) {
    show((await response.json().catch(() => ({}))).error || messages.network);
    return;
  }
  const { schema, data, readOnly } = await response.json();
  let form = null;
  if (schema) {
    // No input debounce: «Завершить» must always submit what is on the screen.
    form = new Form({ container, debounce: false, properties: { readOnly: readOnly } });
    const validator = form.get('validator');
    const validate = validator.validateFieldInstance.bind(validator);
    validator.validateFieldInstance = (...args) => validate(...args).map(russian);
    await form.importSchema(schema, data);
  } else {
    container.textContent = messages.noform;
  }
  if (!button) return;

  button.addEventListener('click', async () => {
    show('');
    let submitted = {};
    if (form) {
      const { data: values, errors } = form.submit();
      if (Object.keys(errors).length) {
        show(messages.invalid);
        return;
      }
      submitted = values;
    }
    button.disabled = true;
    try {
      const answer = await fetch(container.dataset.completeUrl, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'X-CSRFToken': csrfToken() },
        body: JSON.stringify({ data: submitted }),
      });
      const body = await answer.json().catch(() => ({}));
      if (answer.ok && body.redirect) {
        window.location.assign(body.redirect);
        return;
      }
      if (answer.status === 422 && body.errorsById && form) {
        form._setState({ errors: body.errorsById });
      }
      show(body.error || messages.network, answer.status === 409 ? 'warn' : 'error');
    } catch (error) {
      show(messages.network);
    } finally {
      button.disabled = false;
    }
  });
}

const container = document.getElementById('task-form');
if (container) mount(container);
