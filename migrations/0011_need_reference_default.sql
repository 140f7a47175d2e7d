-- A need's reference code is now made by the INSERT that opens the need, so opening one no longer costs a round trip
-- for the sequence value first (NeedStore.OpenAsync). The code is the sequence's digits and a Damm check digit, as
-- ReferenceCode.FromSequence makes it; NeedReferenceTests checks that the two agree.
CREATE FUNCTION need_reference(sequence bigint) RETURNS text LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
    -- Damm's table: the row is the check so far, the column the next digit (ReferenceCode.Table, one-based here).
    damm CONSTANT int[] := '{{0,3,1,7,5,9,8,6,4,2},{7,0,9,2,1,5,4,8,6,3},{4,2,0,6,8,7,1,3,5,9},{1,7,5,0,9,8,3,4,2,6},
                             {6,1,2,3,0,4,5,9,7,8},{3,6,7,4,2,0,9,5,8,1},{5,8,6,9,7,2,0,1,3,4},{8,9,4,5,3,6,2,0,1,7},
                             {9,4,3,8,6,1,7,2,0,5},{2,5,8,1,4,3,6,7,9,0}}';
    digits CONSTANT text := sequence::text;
    check_digit int := 0;
BEGIN
    FOR i IN 1 .. length(digits) LOOP
        check_digit := damm[check_digit + 1][ascii(substr(digits, i, 1)) - 47];
    END LOOP;
    RETURN digits || check_digit;
END
$$;

ALTER TABLE needs ALTER COLUMN reference SET DEFAULT need_reference(nextval('need_reference_seq'));
