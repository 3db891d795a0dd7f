;;; eglot.el --- driven by tests/tests/emacs.rs: emacs -Q --batch -l eglot.el FILE
;; Loads the eglot snippet of editors/README.md as is (from $SNIPPET), opens FILE, waits for
;; flymake's diagnostics from `schemacast lsp' and prints each as "DIAGNOSTIC line: text".
;; Debian's elpa-eglot lives in site-lisp/elpa, which -Q leaves out of the package path.
(add-to-list 'package-directory-list "/usr/share/emacs/site-lisp/elpa")
(package-initialize)
(require 'eglot)
(load (getenv "SNIPPET") nil t)
(setq eglot-sync-connect t)
(find-file (getenv "FILE"))
(unless (eq major-mode 'sql-mode) (error "not in sql-mode: %s" major-mode))
;; eglot-ensure connects after the next command; batch mode runs none, so run the hook.
(run-hooks 'post-command-hook)
(let ((deadline (+ (float-time) 60)) found)
  (while (and (not found) (< (float-time) deadline))
    (accept-process-output nil 0.2)
    (setq found (and (bound-and-true-p flymake-mode) (flymake-diagnostics))))
  (unless found (error "no flymake diagnostics within 60 s (eglot: %s)" (eglot-current-server)))
  (dolist (d found)
    (princ (format "DIAGNOSTIC %d: %s\n"
                   (line-number-at-pos (flymake-diagnostic-beg d))
                   (flymake-diagnostic-text d)))))
(kill-emacs 0)
