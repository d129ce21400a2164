import { Component, Fragment, type ErrorInfo, type ReactNode } from 'react';
import { reportError } from './monitoring';
import { t } from '../i18n';

interface Props {
  /** Names the screen in the fallback and in the error report. */
  name: string;
  children: ReactNode;
}

interface State {
  error: Error | null;
  attempt: number;
}

/** One per screen: a crash shows a friendly fallback with a retry instead of a blank page. */
export class ErrorBoundary extends Component<Props, State> {
  override state: State = { error: null, attempt: 0 };

  static getDerivedStateFromError(error: Error): Partial<State> {
    return { error };
  }

  override componentDidCatch(error: Error, info: ErrorInfo): void {
    reportError(error, { screen: this.props.name, componentStack: info.componentStack });
  }

  private retry = () => this.setState((s) => ({ error: null, attempt: s.attempt + 1 }));

  override render() {
    if (this.state.error) {
      return (
        <div className="error-fallback" role="alert">
          <h2>{t('errorBoundary.thisPartSwitchboardHitProblem')}</h2>
          <p>{t('errorBoundary.screenCouldNotBeShown', { name: this.props.name })}</p>
          <button type="button" className="button primary" onClick={this.retry} autoFocus>
            {t('common.tryAgain')}
          </button>
        </div>
      );
    }
    // The key remounts the subtree on retry so it starts from fresh state.
    return <Fragment key={this.state.attempt}>{this.props.children}</Fragment>;
  }
}
