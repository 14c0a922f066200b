import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { createWebBridge } from './bridge/web-bridge';
import { AppProvider } from './state/app-context';
import './styles.css';

const bridge = window.knp ?? createWebBridge();
const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root');

createRoot(root).render(
  <StrictMode>
    <AppProvider bridge={bridge}>
      <App />
    </AppProvider>
  </StrictMode>,
);
