# bash completion for lockyard (installed by `make install` into
# PREFIX/share/bash-completion/completions/lockyard). Options are read from
# `lockyard COMMAND --help`, so they follow the binary.
_lockyard() {
    local cur prev cmd i
    cur=${COMP_WORDS[COMP_CWORD]}
    prev=${COMP_WORDS[COMP_CWORD-1]}
    cmd=
    for ((i = 1; i < COMP_CWORD; i++)); do
        case ${COMP_WORDS[i]} in -*) ;; *) cmd=${COMP_WORDS[i]}; break ;; esac
    done
    if [ -z "$cmd" ]; then
        COMPREPLY=($(compgen -W "serve env fault run check scenarios probe version help \
            --help --version" -- "$cur"))
        return
    fi
    case $prev in
        --data|--report|--history|--config|--tls-cert|--tls-key) COMPREPLY=($(compgen -f -- "$cur")); return ;;
        --durability) COMPREPLY=($(compgen -W "group fsync none" -- "$cur")); return ;;
        --auth) COMPREPLY=($(compgen -W "any sigv4" -- "$cur")); return ;;
        --log-level) COMPREPLY=($(compgen -W "error info debug" -- "$cur")); return ;;
        --log-format) COMPREPLY=($(compgen -W "text json" -- "$cur")); return ;;
        --shell) COMPREPLY=($(compgen -W "sh fish json" -- "$cur")); return ;;
        --model) COMPREPLY=($(compgen -W "register lock counter s3" -- "$cur")); return ;;
        --service) COMPREPLY=($(compgen -W "s3 dynamodb all" -- "$cur")); return ;;
    esac
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$("${COMP_WORDS[0]}" "$cmd" --help 2>/dev/null |
            grep -oE -- '--[a-z][a-z0-9-]*' | sort -u)" -- "$cur"))
        return
    fi
    case $cmd in
        fault) [ "$COMP_CWORD" = $((i + 1)) ] &&
            COMPREPLY=($(compgen -W "add list rm clear release" -- "$cur")) ;;
        help) COMPREPLY=($(compgen -W "serve env fault run check scenarios probe version" -- "$cur")) ;;
        run) COMPREPLY=($(compgen -W "$("${COMP_WORDS[0]}" scenarios 2>/dev/null |
            awk '/^scenarios in/ {s = 1; next} /^built-in/ {s = 0} s {print $1}')" -- "$cur")
                  $(compgen -f -- "$cur")) ;;
        check) COMPREPLY=($(compgen -f -- "$cur")) ;;
    esac
}
complete -F _lockyard lockyard
