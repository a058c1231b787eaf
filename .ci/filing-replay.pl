#!/usr/bin/perl
# Used by .ci/bench-disputes: turns PostgreSQL's log of one filing (log_statement = all) on
# standard input into a pgbench script that replays the filing's statements (the token's account
# lookup and the answer's query included) with their parameters written in, and each new id, the
# case number and the item name (the first argument) made unique per transaction with pgbench's
# :client_id and a random :seq, concatenated outside the quotes so that `pgbench -M prepared`
# passes them as parameters. Expects PostgreSQL's default log_line_prefix ('%m [%p] ').
use strict;
use warnings;
my ($item) = @ARGV;
my @entries;    # [statement, parameters line]
my $last;
while (my $line = <STDIN>) {
    if ($line =~ /^\d{4}-\d\d-\d\d \S+ \S+ \[\d+\] ([A-Z]+):  (.*)$/s) {
        my ($kind, $text) = ($1, $2);
        if ($kind eq 'LOG' && $text =~ /^(?:execute [^:]+|statement): (.*)$/s) {
            $last = [$1, ''];
            push @entries, $last;
        } elsif ($kind eq 'DETAIL' && $text =~ /^parameters: (.*)$/s && $last) {
            $last->[1] = $1;
        } else {
            $last = undef;
        }
    } elsif ($last) {
        # A value with a line break goes on over the next lines.
        $last->[1] eq '' ? ($last->[0] .= $line) : ($last->[1] .= $line);
    }
}
my (@sql, %fresh);
for my $entry (@entries) {
    my ($statement, $params) = @$entry;
    next if $statement =~ /^(ALTER SYSTEM|SELECT pg_reload_conf)/;
    chomp $statement;
    chomp $params;
    my %value;
    while ($params =~ /\$(\d+) = ('(?:[^']++|'')*'|NULL)/gs) { $value{$1} = $2 }
    # The first value of each inserted row is its new id, in a statement whose first insert has
    # an id (also when the dispute, its claim and its purchase key go in one statement, with
    # data-modifying WITHs: the claim's first value is the dispute's id, and the purchase's key
    # is made unique too, as each filing's is).
    if ($statement =~ /INSERT INTO "(\w+)" \("id",/) {
        while ($statement =~ /\(\$(\d+),/g) { $fresh{$value{$1}} = 1 if defined $value{$1} }
    }
    if ($statement =~ /INSERT INTO "disputes" \("id", "case_number"/) {
        $fresh{$value{2}} = 1;
    }
    $statement =~ s/\$(\d+)/defined $value{$1} ? $value{$1} : "\$$1"/ge;
    push @sql, $statement;
}
print "\\set seq random(1, 1000000000000)\n";
for my $statement (@sql) {
    for my $literal (keys %fresh) {
        my $old = substr($literal, 1, -1);
        $statement =~ s/\Q$old\E/$old-' || :client_id || '-' || :seq || '-/g;
    }
    $statement =~ s/\Q$item\E/$item-' || :client_id || '-' || :seq || '-/g;
    # An array literal made unique is text put together: it is cast back to an array.
    $statement =~ s/ANY\(('\{[^)]*\|\|[^)]*\}')\)/ANY(($1)::text[])/g;
    print "$statement;\n";
}
